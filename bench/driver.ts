import { performance } from 'node:perf_hooks';

/** One asynchronous operation; `i` numbers it in the sample, `worker` is its caller. */
export type AsyncOp = (i: number, worker: number) => Promise<unknown>;

/** One synchronous operation (no server: the serializer workload). */
export type SyncOp = (i: number) => unknown;

/** What a sample measured. */
export interface Measured {
  /** Operations completed. */
  readonly ops: number;
  /** Wall time, milliseconds. */
  readonly ms: number;
}

/**
 * Runs `op` from `concurrency` workers, each starting its next operation when the previous one
 * settles (so `concurrency` operations are in flight), until `durationMs` have passed. The
 * first failure stops every worker and rejects.
 */
export async function drive(
  op: AsyncOp,
  concurrency: number,
  durationMs: number,
): Promise<Measured> {
  let next = 0;
  let failed = false;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (w: number): Promise<void> => {
    while (!failed && performance.now() < end) {
      try {
        await op(next++, w);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers: Array<Promise<void>> = [];
  for (let w = 0; w < concurrency; w++) workers.push(worker(w));
  const settled = await Promise.allSettled(workers);
  const ms = performance.now() - start;
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return { ops: next, ms };
}

/** Runs a synchronous `op` in a loop until `durationMs` have passed (checking the clock every 256). */
export function driveSync(op: SyncOp, durationMs: number): Measured {
  let i = 0;
  const start = performance.now();
  const end = start + durationMs;
  let now = start;
  while (now < end) {
    for (let k = 0; k < 256; k++) op(i++);
    now = performance.now();
  }
  return { ops: i, ms: now - start };
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
