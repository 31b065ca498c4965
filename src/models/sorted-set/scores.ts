import { ArgumentError, type ErrorContext } from '../../core/errors.js';
import { double } from '../../core/decoders.js';
import type { Serializer } from '../../serializers/serializer.js';
import { decodeStored, list, storedReply } from '../values.js';
import { pairs } from '../collection.js';

/**
 * Scores of a sorted set: the `ScoreBound`s of ranges and `exclusive()`, score and bound
 * arguments as Redis reads them (checked before sending), and the decoders of replies that
 * carry scores (`WITHSCORES`, `ZINCRBY`, pops, `ZSCAN`).
 *
 * @module
 */

/**
 * A score bound of a range: a number (inclusive; `Infinity`/`-Infinity` allowed), `'-inf'`,
 * `'+inf'`, or an exclusive bound `'(5'` (see {@link exclusive}).
 */
export type ScoreBound = number | '-inf' | '+inf' | `(${number}` | '(-inf' | '(+inf';

/**
 * An exclusive score bound: `exclusive(5)` is `'(5'`, "strictly above/below 5".
 *
 * @example
 * ```ts
 * await board.membersByScore(exclusive(100), '+inf'); // scores > 100
 * ```
 */
export function exclusive(score: number): ScoreBound {
  return `(${formatScore(score)}` as ScoreBound;
}

/** A score as Redis reads it: `+inf`/`-inf` for the infinities. */
function formatScore(score: number): string {
  return score === Infinity ? '+inf' : score === -Infinity ? '-inf' : String(score);
}

/** What Redis accepts as a range bound: an optional `(` and a double (inf included). */
const BOUND = /^\(?(?:[+-]?inf(?:inity)?|[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

/**
 * A score argument (`add`, `incr`): a number, ±Infinity allowed.
 * @throws {@link ArgumentError} naming the model and key of `context` for NaN or a non-number.
 * @internal
 */
export function scoreArg(score: number, name: string, context: ErrorContext): string {
  if (typeof score !== 'number' || Number.isNaN(score)) {
    throw new ArgumentError(
      `${name} must be a number (finite, Infinity or -Infinity), got ${String(score)}`,
      context,
    );
  }
  return formatScore(score);
}

/**
 * A range bound argument: a score, or a string Redis reads as a bound.
 * @throws {@link ArgumentError} naming the model and key of `context` for anything else.
 * @internal
 */
export function boundArg(bound: ScoreBound, name: string, context: ErrorContext): string {
  if (typeof bound === 'number') return scoreArg(bound, name, context);
  if (typeof bound !== 'string' || !BOUND.test(bound)) {
    throw new ArgumentError(
      `${name} must be a number, '-inf', '+inf' or an exclusive bound like '(5', got ${String(bound)}`,
      context,
    );
  }
  return bound;
}

/**
 * A reply score (RESP3 double, RESP2 string, inf) as a number.
 * @throws an Error for a nil or unreadable score (a `DecodeError` once through the command).
 * @internal
 */
export function scoreOf(raw: unknown): number {
  const value = double(raw);
  if (value === null || Number.isNaN(value)) throw new Error(`invalid score ${String(raw)}`);
  return value;
}

/**
 * The decoder of `[element, score]` pairs: `WITHSCORES` replies (RESP3 `[[member, score], ...]`
 * or RESP2 `[member, score, ...]`), pops and `ZSCAN` pages.
 * @internal
 */
export function scored<T>(serializer: Serializer<T>): (reply: unknown) => Array<[T, number]> {
  const member = (raw: unknown): T => decodeStored(serializer, raw as string | Buffer);
  return storedReply(serializer, (reply) => pairs(reply as unknown[], member, scoreOf));
}

/**
 * The decoder of a range read: elements, or `[element, score]` pairs with `withScores`.
 * @internal
 */
export function elementsOf<T>(
  serializer: Serializer<T>,
  withScores: boolean | undefined,
): (reply: unknown) => T[] | Array<[T, number]> {
  return withScores ? scored(serializer) : list(serializer);
}
