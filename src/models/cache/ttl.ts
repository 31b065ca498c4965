import { ConfigError, type ErrorContext } from '../../core/errors.js';
import { msArg } from '../args.js';

/**
 * The time to live of a cache entry: the `PX` argument of its `SET`.
 *
 * @internal
 * @module
 */

/**
 * The entry's `PX` in ms: the option, else the class `TTL`; undefined = no expiry (neither, or
 * `Infinity`).
 * @throws {@link ArgumentError} on a bad option, {@link ConfigError} on a bad class `TTL`.
 */
export function ttlArg(
  ttl: number | undefined,
  classTtl: number | undefined,
  context: ErrorContext,
): string | undefined {
  if (ttl === Infinity) return undefined;
  if (ttl !== undefined) return msArg(ttl, 'ttl', context);
  if (classTtl === undefined || classTtl === Infinity) return undefined;
  if (!Number.isInteger(classTtl) || classTtl <= 0) {
    throw new ConfigError(
      `static TTL must be a positive integer of milliseconds, got ${String(classTtl)}`,
      context,
    );
  }
  return String(classTtl);
}
