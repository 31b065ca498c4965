import { check } from '../types.js';
import type { Subject, Workload } from '../workloads/workload.js';
import { docOf, KEYS, keyOf, readers, type NearEnv } from './env.js';

/**
 * `near-100`: hot reads of JSON documents over 1,000 keys with 100 calls in flight, 90% of them
 * served from a cache: redisext's near cache against the same model without it (every read a
 * round trip) and node-redis 6's `clientSideCache`.
 *
 * How the 10% misses happen: read number `i` reads key `i mod 1000`, so each key is read once
 * per cycle of 1,000 reads. After every 100th read, the section's writer (a separate plain
 * client, not the reader's) rewrites, in one MSET, 10 keys of the block of 100 just read: in
 * cycle `c`, those whose number ends in the digit `c mod 10`. So each key is written once every
 * 10 cycles, and read 10 times in between: the write invalidates it in whichever cache holds it,
 * and the first read after the invalidation arrived misses (reads before it may still get the
 * old value: that is the invalidation delay, not a miss). 100 misses per 1,000 reads, spread over
 * every key. (Writing the same 100 keys every cycle does not work: a read that comes before the
 * invalidation keeps the key untracked through the next write, so it misses every other cycle.)
 * One MSET per 100 reads rather than a SET per 10 keeps the figure about reads. Keys are never
 * deleted between samples (`usesServer: false`), so each contender's cache stays warm from one
 * round to the next, and only its first sample starts cold.
 *
 * Checked: every read returns the document of its key; for the two caches, the hits and misses
 * counted by the cache (`nearCacheStats()`, node-redis `clientSideCache.stats()`) add up to the
 * reads, and their hit rate is 90% give or take 3 points (after the cold misses of a first
 * sample, the keys the cache did not hold when it began).
 *
 * @module
 */

/** The id and title of the workload (for `--list`, before any client is open). */
export const NEAR_INFO = {
  id: 'near-100',
  title: `hot JSON reads over ${KEYS.toLocaleString('en')} keys, 90% hits, 100 in flight`,
} as const;

/**
 * The same reads with nothing written (`near-hits-100`): every read of a warm cache a hit, so
 * the figure is the hit path itself. With 90% hits, each caller's ten reads wait for at least
 * one round trip (the miss): no cache can then do more than 10x the round-trip read.
 */
export const HITS_INFO = {
  id: 'near-hits-100',
  title: `hot JSON reads over ${KEYS.toLocaleString('en')} keys, all hits, 100 in flight`,
} as const;

/** Reads per write: after every BLOCK-th read, one MSET of churned keys of the block. */
const BLOCK = 100;
/** Each key is rewritten once every CHURN cycles (so 1 read in CHURN misses). */
const CHURN = 10;
/** The expected hit rate, and how far a sample may be from it. */
export const HIT_RATE = 1 - 1 / CHURN;
const TOLERANCE = 0.03;

/**
 * The MSET arguments that rewrite the keys of block `b` whose number is `digit` modulo CHURN
 * (the same documents: a SET of the same value still invalidates).
 */
function churnOf(b: number, digit: number): string[] {
  const args = ['MSET'];
  for (let k = b * BLOCK + digit; k < (b + 1) * BLOCK; k += CHURN) {
    args.push(keyOf(k), JSON.stringify(docOf(k)));
  }
  return args;
}

/** Measured hit rates, by subject label (one per sample), printed under the table. */
export type HitRates = Map<string, number[]>;

/**
 * The workload on the section's clients; `hitRates` collects each cache's hit rates; `churn`
 * false: nothing is written (`near-hits-100`).
 */
export function hotReads(env: NearEnv, hitRates: HitRates, churn = true): Workload {
  const churnEvery = churn ? CHURN : Infinity;
  const blocks = KEYS / BLOCK;
  const writes = Array.from({ length: blocks }, (_, b) =>
    Array.from({ length: CHURN }, (_, digit) => churnOf(b, digit)),
  );
  return {
    ...(churn ? NEAR_INFO : HITS_INFO),
    unit: 'read',
    concurrency: 100,
    perOp: 1,
    usesServer: false,
    subjects: () =>
      readers(env).map((reader): Subject => ({
        id: reader.id,
        label: reader.label,
        sample: () => {
          const before = reader.stats?.();
          const cold = reader.size ? KEYS - Math.min(KEYS, reader.size()) : 0;
          let written = 0;
          return {
            kind: 'async',
            op: async (i) => {
              const k = i % KEYS;
              const doc = await reader.read(k);
              check(
                doc !== null && doc.id === k,
                () => `${reader.label}: key ${k} read ${JSON.stringify(doc)}`,
              );
              if (churn && i % BLOCK === BLOCK - 1) {
                const cycle = Math.floor(i / KEYS);
                await env.writer.sendCommand(writes[Math.floor(k / BLOCK)][cycle % CHURN]);
                written += 1;
              }
            },
            check: ({ ops }) => {
              check(ops > 0, () => `${reader.label}: nothing ran`);
              const most = churn ? Math.floor(ops / BLOCK) : 0;
              check(written >= most - 1 && written <= most + 1, () => `${written} churn writes`);
              if (before === undefined || reader.stats === undefined) return Promise.resolve();
              const after = reader.stats();
              const hits = after.hits - before.hits;
              const misses = after.misses - before.misses;
              const counted = hits + misses;
              check(
                Math.abs(counted - ops) <= Math.max(2, ops * 0.01),
                () => `${reader.label}: ${hits} hits + ${misses} misses for ${ops} reads`,
              );
              const rate = hits / counted;
              const expected = 1 - (ops / churnEvery + cold) / ops;
              check(
                Math.abs(rate - expected) <= TOLERANCE,
                () =>
                  `${reader.label}: hit rate ${(rate * 100).toFixed(1)}%, expected ` +
                  `${(expected * 100).toFixed(1)}% (${cold} keys not cached at the start)`,
              );
              const rates = hitRates.get(reader.label) ?? [];
              rates.push(hits / Math.max(1, counted - cold));
              hitRates.set(reader.label, rates);
              return Promise.resolve();
            },
          };
        },
      })),
  };
}
