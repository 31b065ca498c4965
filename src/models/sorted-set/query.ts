import type { RedisArg } from '../../core/command.js';
import { ArgumentError, type ErrorContext } from '../../core/errors.js';
import { countArg, flagOption, optionsArg } from '../args.js';
import type { ScoreRangeOptions, SortedSetAddOptions, WithScoresOption } from './options.js';
import { boundArg, type ScoreBound } from './scores.js';

/**
 * The arguments of the SortedSet commands that take options or ranges, built and checked before
 * anything is sent; a bad argument is an {@link ArgumentError} naming the model and key of
 * `context`.
 *
 * @internal
 * @module
 */

const ADD_FLAGS = ['ifAbsent', 'ifGreater', 'ifLess'];

/**
 * `ZADD key [NX|GT|LT]`: the start of `add` and `addMany`, the score/member pairs to follow.
 * @param call - the method's signature, for errors: `'add(element, score, options)'`.
 * @throws {@link ArgumentError} for options that are not such an object, non-boolean flags, or
 * conflicting ones.
 */
export function addCommand(
  key: string,
  options: SortedSetAddOptions | undefined,
  call: string,
  context: ErrorContext,
): RedisArg[] {
  const given = optionsArg(options, { call, known: ADD_FLAGS }, context);
  const ifAbsent = flagOption(given.ifAbsent, 'ifAbsent', context);
  const ifGreater = flagOption(given.ifGreater, 'ifGreater', context);
  const ifLess = flagOption(given.ifLess, 'ifLess', context);
  if (ifGreater && ifLess) {
    throw new ArgumentError('ifGreater and ifLess cannot be combined', context);
  }
  if (ifAbsent && (ifGreater || ifLess)) {
    throw new ArgumentError('ifAbsent cannot be combined with ifGreater/ifLess', context);
  }
  const args: RedisArg[] = ['ZADD', key];
  if (ifAbsent) args.push('NX');
  if (ifGreater) args.push('GT');
  if (ifLess) args.push('LT');
  return args;
}

/**
 * The `withScores` option of a read that may return scores (`members`, `top`).
 * @param call - the method's signature, for errors: `'top(count, options)'`.
 * @throws {@link ArgumentError} for options that are not `{ withScores }`.
 */
export function withScoresArg(
  options: WithScoresOption | undefined,
  call: string,
  context: ErrorContext,
): boolean {
  const { withScores } = optionsArg(options, { call, known: ['withScores'] }, context);
  return flagOption(withScores, 'withScores', context);
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

const BY_SCORE_OPTIONS = {
  call: 'membersByScore(min, max, options)',
  known: ['withScores', 'offset', 'count', 'reverse'],
};

/**
 * `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`, or `ZREVRANGEBYSCORE key max
 * min ...` with `reverse`. Checks the options object, the bounds, then `offset` and `count`
 * (non-negative integers).
 * @returns the command and whether it asks for scores.
 */
export function byScoreCommand(
  key: string,
  min: ScoreBound,
  max: ScoreBound,
  options: ScoreRangeOptions | undefined,
  context: ErrorContext,
): { args: string[]; withScores: boolean } {
  const given = optionsArg(options, BY_SCORE_OPTIONS, context);
  const withScores = flagOption(given.withScores, 'withScores', context);
  const reverse = flagOption(given.reverse, 'reverse', context);
  const [low, high] = scoreRange(min, max, context);
  const args = reverse ? ['ZREVRANGEBYSCORE', key, high, low] : ['ZRANGEBYSCORE', key, low, high];
  if (withScores) args.push('WITHSCORES');
  if (given.offset !== undefined || given.count !== undefined) {
    const offset = given.offset === undefined ? 0 : countArg(given.offset, 'offset', context);
    const count = given.count === undefined ? -1 : countArg(given.count, 'count', context);
    args.push('LIMIT', String(offset), String(count));
  }
  return { args, withScores };
}
