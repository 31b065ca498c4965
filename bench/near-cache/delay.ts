import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../coordination/env.js';
import { check, WrongResult } from '../types.js';
import { docOf, KEYS, keyOf, type NearEnv, type Reader } from './env.js';

/**
 * `near-100-delay`: the invalidation delay of a cache, measured from outside. A writer client
 * sets a probe key to a counter; from the writer's ack, the cached reader is polled (a `get()`,
 * then `setImmediate`, again) until it returns the new value. The time covers the invalidation
 * push reaching this process and being applied, then the miss's round trip that fetches the new
 * value (0 + that round trip when the push was applied before the ack was seen).
 *
 * Meanwhile a load runs: another client (the loader) sets the 1,000 hot keys at 10,000 writes
 * per second, and this process re-reads them through the same cache (50 reads a millisecond),
 * so they are tracked again after each invalidation and the pushes keep coming.
 *
 * @module
 */

/** The id and title of the probe (for `--list`). */
export const DELAY_INFO = {
  id: 'near-100-delay',
  title: 'invalidation delay of the near cache (median, p99) under 10,000 writes/s',
} as const;

/** Writes per second of the background load. */
export const LOAD_RATE = 10_000;
/** Probes per reader (the p99 is then the 20th worst). */
const PROBES = 2_000;
/** A probe that has not seen its value after this long fails the run. */
const GIVE_UP_MS = 5_000;
/** Hot keys the re-reader reads per millisecond. */
const REREADS = 50;
/** Most loader writes in flight (a server that falls behind lowers the rate, reported). */
const MOST_PENDING = 2_000;

/** What one reader's probe measured. */
export interface DelayResult {
  readonly label: string;
  /** Delays, ms: the median and the 99th percentile. */
  readonly median: number;
  readonly p99: number;
  readonly max: number;
  /** Probes whose first poll after the ack still returned the old value. */
  readonly staleFirst: number;
  readonly probes: number;
  /** The load's rate actually acknowledged (writes per second). */
  readonly loadRate: number;
}

/** The background load: the loader's writes and this process's re-reads. */
function startLoad(env: NearEnv, reader: Reader): () => Promise<number> {
  const values = Array.from({ length: KEYS }, (_, k) => JSON.stringify(docOf(k)));
  const started = performance.now();
  let running = true;
  let sent = 0;
  let acked = 0;
  let failure: unknown;
  const pending = new Set<Promise<unknown>>();
  const write = (): void => {
    const k = sent++ % KEYS;
    const done: Promise<unknown> = env.loader
      .sendCommand(['SET', keyOf(k), values[k]])
      .then(
        () => void (acked += 1),
        (error: unknown) => void (failure ??= error),
      )
      .finally(() => pending.delete(done));
    pending.add(done);
  };
  const writes = (async () => {
    while (running) {
      const due = Math.floor(((performance.now() - started) * LOAD_RATE) / 1000);
      while (sent < due && pending.size < MOST_PENDING) write();
      await sleep(1);
    }
  })();
  let next = 0;
  const rereads = (async () => {
    while (running) {
      const batch: Array<Promise<void>> = [];
      for (let n = 0; n < REREADS; n++) {
        const k = next++ % KEYS;
        batch.push(
          reader.read(k).then((doc) => {
            check(doc?.id === k, () => `${reader.label}: key ${k} read ${JSON.stringify(doc)}`);
          }),
        );
      }
      await Promise.all(batch);
      await sleep(1);
    }
  })();
  return async () => {
    running = false;
    await Promise.all([writes, rereads]);
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
    return (acked * 1000) / (performance.now() - started);
  };
}

/** Probes `reader` PROBES times under the load; see the module's description. */
export async function invalidationDelay(env: NearEnv, reader: Reader): Promise<DelayResult> {
  const probeKey = keyOf('probe');
  const set = (n: number): Promise<unknown> => env.writer.sendCommand(['SET', probeKey, String(n)]);
  await set(0);
  const stop = startLoad(env, reader);
  const delays: number[] = [];
  let staleFirst = 0;
  let loadRate: number;
  try {
    await sleep(100); // the load reaches its rate
    for (let n = 1; n <= PROBES; n++) {
      // The old value is in the cache now: read by the previous probe (or this read).
      const old = await reader.probe();
      check(old === n - 1, () => `${reader.label}: probe read ${old} before writing ${n}`);
      await set(n);
      const acked = performance.now();
      for (let poll = 0; ; poll++) {
        const value = await reader.probe();
        if (value === n) break;
        check(value === n - 1, () => `${reader.label}: probe read ${value} after writing ${n}`);
        if (poll === 0) staleFirst += 1;
        if (performance.now() - acked > GIVE_UP_MS) {
          throw new WrongResult(`${reader.label}: ${n} not seen ${GIVE_UP_MS} ms after its ack`);
        }
        await nextTurn();
      }
      delays.push(performance.now() - acked);
      await sleep(Math.random() < 0.5 ? 0 : 1); // the next probe at another phase of the load
    }
  } finally {
    loadRate = await stop();
  }
  return {
    label: reader.label,
    median: percentile(delays, 50),
    p99: percentile(delays, 99),
    max: Math.max(...delays),
    staleFirst,
    probes: delays.length,
    loadRate,
  };
}

/** The result as a line under the table. */
export function delayLine(result: DelayResult): string {
  const ms = (value: number): string => `${value.toFixed(3)} ms`;
  return (
    `${DELAY_INFO.id}: ${result.label}: invalidation delay median ${ms(result.median)}, ` +
    `p99 ${ms(result.p99)}, max ${ms(result.max)} over ${result.probes} probes ` +
    `(old value still served at the first poll after the ack in ${result.staleFirst}); ` +
    `load ${Math.round(result.loadRate).toLocaleString('en')} writes/s acknowledged`
  );
}
