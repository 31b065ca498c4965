import type { RedisArg } from '../../core/command.js';
import { ArgumentError, type ErrorContext } from '../../core/errors.js';
import { countArg } from '../args.js';
import type { ScoreRangeOptions, SortedSetAddOptions } from './options.js';
import { boundArg, type ScoreBound } from './scores.js';

/**
 * The arguments of the SortedSet commands that take options or ranges, built and checked before
 * anything is sent; a bad argument is an {@link ArgumentError} naming the model and key of
 * `context`.
 *
 * @internal
 * @module
 */

/**
 * `ZADD key [NX|GT|LT]`: the start of `add` and `addMany`, the score/member pairs to follow.
 * @throws {@link ArgumentError} for conflicting options.
 */
export function addCommand(
  key: string,
  options: SortedSetAddOptions,
  context: ErrorContext,
): RedisArg[] {
  if (options.ifGreater && options.ifLess) {
    throw new ArgumentError('ifGreater and ifLess cannot be combined', context);
  }
  if (options.ifAbsent && (options.ifGreater || options.ifLess)) {
    throw new ArgumentError('ifAbsent cannot be combined with ifGreater/ifLess', context);
  }
  const args: RedisArg[] = ['ZADD', key];
  if (options.ifAbsent) args.push('NX');
  if (options.ifGreater) args.push('GT');
  if (options.ifLess) args.push('LT');
  return args;
}

/** The `min max` arguments of a score range, `min` checked first. */
export function scoreRange(
  min: ScoreBound,
  max: ScoreBound,
  context: ErrorContext,
): [string, string] {
  return [boundArg(min, 'min', context), boundArg(max, 'max', context)];
}

/**
 * `ZREVRANGE key 0 stop [WITHSCORES]`: the highest-scored elements down to rank `stop` (`-1`:
 * all of them).
 */
export function topCommand(key: string, stop: number, withScores: boolean | undefined): string[] {
  const args = ['ZREVRANGE', key, '0', String(stop)];
  if (withScores) args.push('WITHSCORES');
  return args;
}

/**
 * `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`, or `ZREVRANGEBYSCORE key max
 * min ...` with `reverse`. Checks the bounds, then `offset` and `count` (non-negative integers).
 */
export function byScoreCommand(
  key: string,
  min: ScoreBound,
  max: ScoreBound,
  options: ScoreRangeOptions,
  context: ErrorContext,
): string[] {
  const [low, high] = scoreRange(min, max, context);
  const args = options.reverse
    ? ['ZREVRANGEBYSCORE', key, high, low]
    : ['ZRANGEBYSCORE', key, low, high];
  if (options.withScores) args.push('WITHSCORES');
  if (options.offset !== undefined || options.count !== undefined) {
    const offset = countArg(options.offset ?? 0, 'offset', context);
    const count = options.count === undefined ? -1 : countArg(options.count, 'count', context);
    args.push('LIMIT', String(offset), String(count));
  }
  return args;
}
