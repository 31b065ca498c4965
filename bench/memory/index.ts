import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryResult } from './types.js';

export type { MemoryResult } from './types.js';

/**
 * Runs the memory workloads in a child process started with `--expose-gc` (so the heap is
 * measured after full collections, and the numbers are not disturbed by the other workloads).
 */
export function runMemory(
  url: string,
  instances: number,
  operations: number,
): Promise<MemoryResult> {
  const child = fileURLToPath(new URL('./child.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', child, url, String(instances), String(operations)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`the memory workload failed (exit code ${code})\n${out}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as MemoryResult);
    });
  });
}
