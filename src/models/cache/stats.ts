import { modelEvent, modelEvents } from '../../core/tracing.js';
import type { CacheStats } from './types.js';

/**
 * The hit and miss counters of the caches, in this process: one pair per cache class and
 * namespace, shared by every handle of both (`new UserCache()` anywhere adds to the same pair).
 * Kept in memory only: counting in Redis would make every read a write.
 *
 * @internal
 * @module
 */

/** One pair of counters, counted into while operations are in flight. */
export interface Tally {
  hits: number;
  misses: number;
}

/** Per cache class, per namespace: the counters of this process. */
const tallies = new WeakMap<object, Map<string, Tally>>();

/** The counters of the cache class `cls` for `namespace`, created at zero on first use. */
export function tallyOf(cls: object, namespace: string): Tally {
  let byNamespace = tallies.get(cls);
  if (byNamespace === undefined) {
    byNamespace = new Map();
    tallies.set(cls, byNamespace);
  }
  let tally = byNamespace.get(namespace);
  if (tally === undefined) {
    tally = { hits: 0, misses: 0 };
    byNamespace.set(namespace, tally);
  }
  return tally;
}

/** A snapshot of the counters of `cls` for `namespace` (zeros when never counted). */
export function statsOf(cls: object, namespace: string): CacheStats {
  const tally = tallies.get(cls)?.get(namespace);
  return { hits: tally?.hits ?? 0, misses: tally?.misses ?? 0 };
}

/** Sets the counters back to zero; returns what they were. */
export function resetStatsOf(cls: object, namespace: string): CacheStats {
  const counts = statsOf(cls, namespace);
  const tally = tallies.get(cls)?.get(namespace);
  if (tally !== undefined) {
    // Zeroed in place: operations in flight hold this object and still count into it.
    tally.hits = 0;
    tally.misses = 0;
  }
  return counts;
}

/**
 * The decoder of a `GET` that counts: a hit when the entry exists, a miss otherwise, as the
 * reply arrives (so also inside a batch).
 */
export function counted<T>(
  decode: (reply: unknown) => T | null,
  tally: Tally,
  origin: { readonly modelName: string; readonly key: string },
) {
  return (reply: unknown): T | null => {
    const absent = reply === null || reply === undefined;
    tally[absent ? 'misses' : 'hits'] += 1;
    if (modelEvents.hasSubscribers) {
      const { modelName: model, key } = origin;
      modelEvent({ event: absent ? 'cache-miss' : 'cache-hit', model, key });
    }
    return absent ? null : decode(reply);
  };
}
