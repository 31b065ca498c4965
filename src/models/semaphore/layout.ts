import { perKey, sideKey } from '../../core/keys.js';

/**
 * The keys of a Semaphore on Redis: the holders at the model key, and four side keys in its
 * hash tag (one cluster slot), which every sem-*-5 script takes in this order; plus one wake-up
 * list per waiter, named from a prefix in the same tag (see includes/sem-state.lua).
 *
 * @internal
 * @module
 */

/** The keys of one semaphore. */
export interface SemaphoreKeys {
  /**
   * The five keys of the sem-*-5 scripts: holders, queue, alive, state (unused by the scripts
   * now, kept declared; `delete()` still removes it), fence.
   */
  readonly all: readonly string[];
  /** The waiters' queue (sorted by arrival). */
  readonly queue: string;
  /** The fencing counter. */
  readonly fence: string;
  /** The prefix of the waiters' wake-up lists: a waiter's list is the prefix and its ticket. */
  readonly wake: string;
}

/** The keys of the semaphore at `key`. */
export const semaphoreKeys: (key: string) => SemaphoreKeys = perKey((key) => {
  const queue = sideKey(key, 'queue');
  const fence = sideKey(key, 'fence');
  return Object.freeze({
    all: Object.freeze([key, queue, sideKey(key, 'alive'), sideKey(key, 'state'), fence]),
    queue,
    fence,
    wake: `${sideKey(key, 'wake')}:`,
  });
});

/**
 * A waiter's member in the queue, or a lease's as the scripts take it: `weight:token` (the
 * scripts store a lease of weight w > 1 as w units, `weight:token#1` .. `#w`).
 */
export function member(weight: number, token: string): string {
  return `${weight}:${token}`;
}

/**
 * The holders' mark: from 32 permits on, a member of weight 0 scored `+inf` (never swept), added
 * with the first lease of a holders key and deleted with the last, which keeps the holders a
 * skiplist (a member over 64 bytes: `zset-max-listpack-value`) so that every ZADD and ZREM is
 * O(log n). The weight held never counts it (ZCOUNT below `+inf`). The scripts hold the same
 * text (MARK in includes/sem-state.lua); the specs check that they agree.
 */
export const HOLDERS_MARK =
  '0:redisext-semaphore-holders;this-member-holds-no-permit;it-keeps-the-set-a-skiplist';
