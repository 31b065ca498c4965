import type { LockTally } from './stats.js';
import { perKey, sideKey } from '../../core/keys.js';
import type { Tools } from '../handle.js';

/**
 * What the steps of a lock (acquire.ts, release.ts, extend.ts) work with: the Lock's key, what it
 * holds, and the protected command helpers of its model, lent by the Lock. The steps return the
 * helpers' operations as they are, so the single-command ones still queue into a batch.
 *
 * @internal
 * @module
 */

/** What a Lock handle holds; one object shared by the handle's copies (`in(batch)`, `fromMaster()`). */
export interface Ownership {
  /** The owner token stored in the lock key, while this instance believes it holds the lock. */
  token: string | undefined;
  /** The fencing token of that acquisition. */
  fence: number | null;
  /** Its time to live (ms), the default of `extend()`. */
  ttl: number | undefined;
}

/** A Lock as its steps see it: the model's helpers, and what the Lock holds. */
export interface LockHandle extends Pick<
  Tools,
  'key' | 'modelName' | 'script' | 'blocking' | 'now'
> {
  /** What this handle holds, updated by the steps when their script succeeds. */
  readonly ownership: Ownership;
  /** The wait statistics of its Lock class (`Lock.stats()`). */
  readonly tally: LockTally;
}

/** How long (ms, as a Redis argument) an unclaimed wake-up token and the waiting flag live. */
export const WAKE_TTL_MS = '1000';

/**
 * The side keys of the lock `key`, in its Redis Cluster slot: the fencing counter, the wake-up
 * list a release pushes to, and the "someone waits" flag (derived once per key, shared).
 */
export const sideKeys: (key: string) => {
  readonly fence: string;
  readonly wake: string;
  readonly waiting: string;
} = perKey((key) =>
  Object.freeze({
    fence: sideKey(key, 'fence'),
    wake: sideKey(key, 'wake'),
    waiting: sideKey(key, 'waiting'),
  }),
);
