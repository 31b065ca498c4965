import type { LockTally } from './stats.js';
import { perKey, sideKey } from '../../core/keys.js';
import { Lent, type Tools } from '../tools.js';

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

/**
 * A fresh {@link Ownership} (nothing held). A class, not an object literal: it lives as long as
 * its handle's calls, and V8 may pretenure such literals (see `Call` in core/command.ts).
 */
export class OwnershipRecord implements Ownership {
  token: string | undefined = undefined;
  fence: number | null = null;
  ttl: number | undefined = undefined;
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

/** A {@link LockHandle} made of a Lock's helpers, bound (a class for the reason {@link OwnershipRecord} is). */
export class BoundLock extends Lent implements LockHandle {
  constructor(
    lent: Lent,
    readonly modelName: string,
    readonly ownership: Ownership,
    readonly tally: LockTally,
  ) {
    super(lent.key, lent.script, lent.blocking, lent.now);
  }
}
