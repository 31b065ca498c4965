import { ArgumentError, type ErrorContext } from '../core/errors.js';

/**
 * Checks of the arguments models send to Redis: each returns the argument as the command takes
 * it, or throws an {@link ArgumentError} naming the model and key of `context`, before anything
 * is sent. Shared by every model, so one rule has one wording.
 *
 * @internal
 * @module
 */

/**
 * An integer argument (a counter step, a value...) as Redis reads it.
 * @throws {@link ArgumentError} unless `value` is a safe integer.
 */
export function integerArg(value: number, name: string, context: ErrorContext): string {
  if (!Number.isSafeInteger(value)) {
    throw new ArgumentError(`${name} must be a safe integer, got ${String(value)}`, context);
  }
  return String(value);
}

/**
 * A duration in **milliseconds** (a ttl, a wait...), as `PX`/`PEXPIRE` take it.
 * @throws {@link ArgumentError} unless `value` is a positive integer.
 */
export function msArg(value: number, name: string, context: ErrorContext): string {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ArgumentError(
      `${name} must be a positive integer of milliseconds, got ${String(value)}`,
      context,
    );
  }
  return String(value);
}

/**
 * A count of items (a size, an offset, a number to pop, a `SCAN COUNT`...): a safe integer of
 * at least `min`, 0 by default; pass 1 where nothing is meaningless (`COUNT 0` is a Redis
 * error).
 * @throws {@link ArgumentError} otherwise.
 */
export function countArg(
  value: number,
  name: string,
  context: ErrorContext,
  min: 0 | 1 = 0,
): number {
  if (!Number.isSafeInteger(value) || value < min) {
    const domain = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new ArgumentError(`${name} must be ${domain}, got ${String(value)}`, context);
  }
  return value;
}
