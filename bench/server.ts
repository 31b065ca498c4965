import { createClient } from 'redis';
import { externalServer, startServer, type RedisServer } from '../tools/redis-server.js';

type Client = ReturnType<typeof createClient>;

/** Every key the benchmark writes matches this (redis-semaphore adds `mutex:`, locks `{...}:`). */
const OURS = '*bench:*';

/** The server the benchmark runs against, and an independent client to check and clean it. */
export interface BenchServer {
  readonly url: string;
  /** True when the benchmark spawned it (and stops it at the end). */
  readonly owned: boolean;
  /** `redis_version` from `INFO server`. */
  readonly version: string;
  /** The checking client (node-redis, no per-command timeout; not a contender). */
  readonly inspector: Client;
  /** Deletes every key the benchmark wrote (SCAN + UNLINK of `*bench:*`). */
  clean(): Promise<void>;
  /** How many connections carry this client name (`CLIENT LIST`). */
  clientsNamed(name: string): Promise<number>;
  /** Keys matching a pattern (SCAN). */
  keys(pattern: string): Promise<string[]>;
  /** Closes the checking client and stops a spawned server. */
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server on a free loopback port, or uses `url` when given. */
export async function benchServer(url: string | undefined): Promise<BenchServer> {
  const server: RedisServer = url ? externalServer(url) : await startServer();
  const target = url ?? server.url;
  const inspector: Client = createClient({
    url: target,
    name: 'bench-inspector',
    commandOptions: { timeout: 0 },
  });
  inspector.on('error', () => undefined);
  await inspector.connect();
  const info = String(await inspector.sendCommand(['INFO', 'server']));
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
  const keys = async (pattern: string): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = (await inspector.sendCommand([
        'SCAN',
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        '1000',
      ])) as [string, string[]];
      cursor = String(next);
      found.push(...page.map(String));
    } while (cursor !== '0');
    return found;
  };
  return {
    url: target,
    owned: server.owned,
    version,
    inspector,
    keys,
    async clean() {
      const found = await keys(OURS);
      for (let i = 0; i < found.length; i += 500) {
        await inspector.sendCommand(['UNLINK', ...found.slice(i, i + 500)]);
      }
    },
    async clientsNamed(name: string) {
      const list = String(await inspector.sendCommand(['CLIENT', 'LIST']));
      return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
    },
    async stop() {
      await inspector.close();
      await server.stop();
    },
  };
}
