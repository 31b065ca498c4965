/**
 * Cache and Lock: an expensive lookup computed once however many callers ask at the same time
 * (`Cache.getOrSet`), and a nightly job that runs once at a time across processes (`Lock.using`),
 * passing its fencing token to what it writes so that a holder that lost the lock is refused.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/cache-and-lock.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Cache, Connection, Lock, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the run showed. */
export interface CacheLockReport {
  /** 20 concurrent `getOrSet` calls for one missing entry: how many computed it, and what all got. */
  computed: number;
  values: number[];
  /** Five runs of the job queued on the lock: how many ran, at most how many at once, and the fences they wrote with. */
  ran: number;
  peak: number;
  fences: number[];
  /** Writes the "resource" refused because their fence was older than one it had seen. */
  refused: number;
}

/** The example's models on one Connection, under `prefix`. */
export function cacheLockModels(connection: typeof Connection, prefix: string) {
  class Prices extends Cache<number> {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:prices`;
    static override SERIALIZER = serializer.JSON;
    static override TTL = 60_000;
  }
  class Jobs extends Lock {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:locks`;
  }
  return { Prices, Jobs };
}

/** Runs both patterns under `prefix`. */
export async function cacheAndLock(
  connection: typeof Connection,
  prefix: string,
): Promise<CacheLockReport> {
  const { Prices, Jobs } = cacheLockModels(connection, prefix);
  const prices = new Prices();

  // 20 callers want a price nobody has computed yet: one computes, the others wait for it.
  let computed = 0;
  const lookup = async (): Promise<number> => {
    computed += 1;
    await sleep(50); // the slow part (a database, an API...)
    return 42;
  };
  const values = await Promise.all(
    Array.from({ length: 20 }, () => prices.getOrSet('sku-1', lookup)),
  );

  // The resource the job writes to keeps the highest fence it saw and refuses older ones.
  let highest = 0;
  let refused = 0;
  const write = (fence: number): void => {
    if (fence < highest) refused += 1;
    else highest = fence;
  };
  const fences: number[] = [];
  let running = 0;
  let peak = 0;
  const run = (): Promise<boolean> =>
    new Jobs('nightly-report')
      .using(
        async (signal, fence) => {
          running += 1;
          peak = Math.max(peak, running);
          fences.push(fence);
          await sleep(20, undefined, { signal }); // renewed meanwhile; `signal` fires if lost
          write(fence);
          running -= 1;
        },
        { ttl: 5_000, wait: 5_000 }, // wait for the run before to finish
      )
      .then(
        () => true,
        () => false, // not acquired within the wait
      );
  const ran = (await Promise.all(Array.from({ length: 5 }, run))).filter(Boolean).length;
  return { computed, values, ran, peak, fences, refused };
}

runExample(import.meta.url, (main) => cacheAndLock(main, `example:${Date.now()}`));
