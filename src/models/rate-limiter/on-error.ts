import { isPassing, type RedisextError } from '../../core/errors.js';
import type { LimiterSettings } from './settings.js';
import type { RateLimitResult } from './types.js';

/**
 * The fail policy of a RateLimiter (`ON_ERROR`): what a direct call answers when Redis cannot
 * be reached or does not answer in time.
 *
 * @internal
 * @module
 */

/**
 * Whether `error` means "Redis could not give an answer": a {@link ConnectionError} (refused,
 * lost, timed out), or a server that is not ready (`LOADING`, `MASTERDOWN`, `CLUSTERDOWN`,
 * `TRYAGAIN`, `BUSY`). Other error replies (`WRONGTYPE`, `ERR`...) are bugs to see: never
 * covered by the policy.
 */
export function unavailable(error: unknown): error is RedisextError {
  return isPassing(error);
}

/**
 * The answer of the `'deny'` or `'allow'` policy for `error`: denied with `retryAfter` the
 * shortest emission interval, or allowed; `remaining` and `resetAfter` 0, `limit` -1.
 */
export function fallback(
  settings: LimiterSettings,
  allowed: boolean,
  error: RedisextError,
): RateLimitResult {
  return {
    allowed,
    remaining: 0,
    retryAfter: allowed ? 0 : settings.retryMs,
    resetAfter: 0,
    limit: -1,
    error,
  };
}

/**
 * `pending` under the policy: with `'deny'` or `'allow'`, an unavailable Redis gives
 * `answer(allowed, error)` instead of the rejection; other errors, and `'throw'`, pass through.
 */
function underPolicy<R>(
  settings: LimiterSettings,
  pending: Promise<R>,
  answer: (allowed: boolean, error: RedisextError) => R,
): Promise<R> {
  const policy = settings.onError;
  if (policy === 'throw') return pending;
  return pending.catch((error: unknown) => {
    if (!unavailable(error)) throw error;
    return answer(policy === 'allow', error);
  });
}

/** A direct take or peek under the policy: the {@link fallback} answer when Redis is unavailable. */
export function guarded(
  settings: LimiterSettings,
  pending: Promise<RateLimitResult>,
): Promise<RateLimitResult> {
  return underPolicy(settings, pending, (allowed, error) => fallback(settings, allowed, error));
}

/** A direct `wait` under the policy: an unavailable Redis gives false (`'deny'`) or true (`'allow'`). */
export function guardedWait(
  settings: LimiterSettings,
  pending: Promise<boolean>,
): Promise<boolean> {
  return underPolicy(settings, pending, (allowed) => allowed);
}
