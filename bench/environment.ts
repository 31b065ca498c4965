import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Environment } from './results.js';

/** The project root: build/bench/environment.js → ../../ */
export const ROOT = new URL('../../', import.meta.url);

function versionOf(path: string): string {
  try {
    const json = JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as { version?: string };
    return json.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model) return model.trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The machine, Node, the server and the contenders' versions. */
export function environment(redisServer: string, serverSpawned: boolean): Environment {
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism(),
    cpuModel: cpuModel(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redisServer,
    serverSpawned,
    versions: {
      redisext: versionOf('package.json'),
      redis: versionOf('node_modules/redis/package.json'),
      '@redis/client': versionOf('node_modules/@redis/client/package.json'),
      ioredis: versionOf('node_modules/ioredis/package.json'),
      'redis-semaphore': versionOf('node_modules/redis-semaphore/package.json'),
    },
  };
}
