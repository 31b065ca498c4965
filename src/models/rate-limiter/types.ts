import type { RedisextError } from '../../core/errors.js';

/**
 * The public types of a RateLimiter's operations.
 *
 * @module
 */

/** The answer of {@link RateLimiter.take} and {@link RateLimiter.peek}. */
export interface RateLimitResult {
  /** Whether the take was allowed (for `peek`: would be allowed now). */
  allowed: boolean;
  /**
   * How many more units a take of cost 1 could get right now, after this call: the least over
   * the limits (0 after a denial that found no unit left).
   */
  remaining: number;
  /** Milliseconds (rounded up) until the same take would be allowed; 0 when allowed. */
  retryAfter: number;
  /** Milliseconds (rounded up) until every limit is full again: the key then expires. */
  resetAfter: number;
  /**
   * Index, in the class's `LIMITS`, of the limit that decided: the one that denied (with the
   * longest wait), else the one with the fewest units left; -1 for an answer of the `onError`
   * policy.
   */
  limit: number;
  /** For an answer of the `onError` policy (`'deny'` or `'allow'`): why Redis gave none. */
  error?: RedisextError;
}

/** Options of {@link RateLimiter.wait}. */
export interface RateLimitWaitOptions {
  /** Units to take from every limit: a positive integer, at most the smallest burst; default 1. */
  cost?: number;
  /**
   * The longest wait accepted, in **milliseconds** (a non-negative integer); default 0: only
   * when allowed at once. When the units would come later than that, `wait` resolves false at
   * once: nothing can make them come sooner.
   */
  timeout?: number;
  /** Gives up waiting: the call then rejects with the signal's `reason` (the units are given back). */
  signal?: AbortSignal;
}
