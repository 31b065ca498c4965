import type { RedisArg } from '../../core/command.js';
import { ArgumentError } from '../../core/errors.js';
import type { Serializer } from '../../serializers/serializer.js';
import { double, integer, integerOrNull, positive } from '../../core/decoders.js';
import { countArg, iterableArg, pairArg } from '../args.js';
import { Model } from '../model.js';
import { storedReply } from '../values.js';
import {
  countOrFlag,
  nothing,
  scanAll,
  scanArgs,
  scanPage,
  type ScanOptions,
} from '../collection.js';
import type { ScoreRangeOptions, SortedSetAddOptions, WithScoresOption } from './options.js';
import { addCommand, byScoreCommand, scoreRange, topCommand, withScoresArg } from './query.js';
import { elementsOf, scoreArg, scored, scoreOf, type ScoreBound } from './scores.js';

/**
 * Elements ordered by a numeric score (a Redis sorted set, `ZADD`/`ZREVRANGE`): the Python
 * ancestor's SortedSet, same layout. Each element appears once, with one score (a double);
 * elements are compared by their **stored** (serialized) form. {@link SortedSet.members} lists
 * the highest score first, as the Python version does; {@link SortedSet.membersByScore} lists
 * the lowest first unless `reverse`. Each operation is one Redis command, hence atomic.
 *
 * @typeParam T - the element type, e.g. `SortedSet<string>` for player names.
 *
 * @example
 * ```ts
 * @model({ connection: Main, prefix: 'scores' })
 * class Leaderboard extends SortedSet<string> {}
 * const board = new Leaderboard('2024');
 * await board.add('ann', 120);
 * await board.incr('bob', 95);
 * await board.members();                      // ['ann', 'bob'] (highest first)
 * await board.top(1, { withScores: true });   // [['ann', 120]]
 * await board.truncate(100);                  // keep the 100 best
 * ```
 */
export class SortedSet<T = string> extends Model {
  /**
   * Adds an element with its score, or changes the score of an existing one (`ZADD`,
   * O(log n)). Options: `ifAbsent` (`NX`), `ifGreater` (`GT`), `ifLess` (`LT`).
   * @returns true when the element is new.
   * @throws {@link ArgumentError} for a NaN score or conflicting options (nothing is sent).
   */
  add(element: T, score: number, options?: SortedSetAddOptions): Promise<boolean> {
    const args = addCommand(this.key, options, 'add(element, score, options)', this.errorContext);
    args.push(scoreArg(score, 'score', this.errorContext), this.encode(element));
    return this.write(args, positive);
  }

  /**
   * Adds several `[element, score]` pairs in one command (`ZADD`, O(k log n)), atomically; also
   * takes a JS `Map<T, number>`. Same options as {@link SortedSet.add}.
   * @returns how many elements are new. An empty input sends only a cheap `EXISTS` (so the call
   * keeps its place in a pipeline) and returns 0.
   */
  addMany(entries: Iterable<readonly [T, number]>, options?: SortedSetAddOptions): Promise<number> {
    const call = 'addMany(entries, options)';
    const args: RedisArg[] = addCommand(this.key, options, call, this.errorContext);
    const start = args.length;
    for (const entry of iterableArg(entries, 'entries', this.errorContext)) {
      const [element, score] = pairArg(entry, '[element, score]', this.errorContext);
      args.push(scoreArg(score, 'score', this.errorContext), this.encode(element));
    }
    if (args.length === start) return this.run(nothing(this, () => 0));
    return this.write(args, integer);
  }

  /**
   * Adds `by` (default 1; any number, fractions allowed) to an element's score and returns the
   * new score (`ZINCRBY`, O(log n)). A missing element starts from 0.
   */
  incr(element: T, by = 1): Promise<number> {
    const step = scoreArg(by, 'by', this.errorContext);
    return this.write(['ZINCRBY', this.key, step, this.encode(element)], scoreOf);
  }

  /** Removes one element (`ZREM`, O(log n)); true if it was there. */
  remove(element: T): Promise<boolean>;
  /** Removes several elements in one command (`ZREM`, O(k log n)); returns how many were there. */
  remove(element: T, ...more: [T, ...T[]]): Promise<number>;
  /** Removes elements (`ZREM`): one element gives a boolean, several give the count removed. */
  remove(...elements: [T, ...T[]]): Promise<boolean | number>;
  remove(...elements: T[]): Promise<boolean | number> {
    if (elements.length === 0) {
      throw new ArgumentError('remove() needs at least one element', this.errorContext);
    }
    const stored = elements.map((element) => this.encode(element));
    return this.write(['ZREM', this.key, ...stored], countOrFlag(elements.length));
  }

  /** The Python ancestor's name of {@link SortedSet.remove} (`ZREM`): true if it was there. */
  rem(element: T): Promise<boolean>;
  /** The Python ancestor's name of {@link SortedSet.remove}: the count removed. */
  rem(element: T, ...more: [T, ...T[]]): Promise<number>;
  /** The Python ancestor's name of {@link SortedSet.remove}. */
  rem(...elements: [T, ...T[]]): Promise<boolean | number>;
  rem(...elements: [T, ...T[]]): Promise<boolean | number> {
    return this.remove(...elements);
  }

  /**
   * The number of elements (`ZCARD`, O(1)); with bounds, the number whose score is within them
   * (`ZCOUNT`, O(log n)). A missing bound is `-inf` / `+inf`.
   */
  length(min?: ScoreBound, max?: ScoreBound): Promise<number> {
    if (min === undefined && max === undefined) return this.read(['ZCARD', this.key], integer);
    const low = min === undefined ? '-inf' : min;
    const range = scoreRange(low, max === undefined ? '+inf' : max, this.errorContext);
    return this.read(['ZCOUNT', this.key, ...range], integer);
  }

  /** Every element, highest score first, with scores (`ZREVRANGE 0 -1 WITHSCORES`, O(n)). */
  members(options: WithScoresOption & { withScores: true }): Promise<Array<[T, number]>>;
  /** Every element, highest score first (`ZREVRANGE 0 -1`, O(n)); `[]` when empty. */
  members(options?: WithScoresOption & { withScores?: false }): Promise<T[]>;
  /**
   * Every element, highest score first (`ZREVRANGE 0 -1 [WITHSCORES]`, O(n)): `[element, score]`
   * pairs with `{ withScores: true }`. Equal scores come in reverse lexicographic order of the
   * stored form. For large sets prefer {@link SortedSet.top} or {@link SortedSet.scan}.
   */
  members(options?: WithScoresOption): Promise<T[] | Array<[T, number]>>;
  members(options?: WithScoresOption): Promise<T[] | Array<[T, number]>> {
    const withScores = withScoresArg(options, 'members(options)', this.errorContext);
    const args = topCommand(this.key, -1, withScores);
    return this.read(args, elementsOf(this.serializer as Serializer<T>, withScores));
  }

  /** The `count` highest-scored elements with scores (`ZREVRANGE 0 count-1 WITHSCORES`). */
  top(count: number, options: WithScoresOption & { withScores: true }): Promise<Array<[T, number]>>;
  /** The `count` highest-scored elements, highest first (`ZREVRANGE 0 count-1`). */
  top(count: number, options?: WithScoresOption & { withScores?: false }): Promise<T[]>;
  /**
   * The `count` highest-scored elements, highest first (`ZREVRANGE 0 count-1 [WITHSCORES]`,
   * O(log n + count)). `top(0)` sends only a cheap `EXISTS` and returns `[]`.
   * @throws {@link ArgumentError} when `count` is not a non-negative integer.
   */
  top(count: number, options?: WithScoresOption): Promise<T[] | Array<[T, number]>>;
  top(count: number, options?: WithScoresOption): Promise<T[] | Array<[T, number]>> {
    const n = countArg(count, 'count', this.errorContext);
    const withScores = withScoresArg(options, 'top(count, options)', this.errorContext);
    if (n === 0) return this.run(nothing(this, () => []));
    const args = topCommand(this.key, n - 1, withScores);
    return this.read(args, elementsOf(this.serializer as Serializer<T>, withScores));
  }

  /** Elements whose score is within the bounds, with scores; see the general signature. */
  membersByScore(
    min: ScoreBound | undefined,
    max: ScoreBound | undefined,
    options: ScoreRangeOptions & { withScores: true },
  ): Promise<Array<[T, number]>>;
  /** Elements whose score is within the bounds; see the general signature. */
  membersByScore(
    min?: ScoreBound,
    max?: ScoreBound,
    options?: ScoreRangeOptions & { withScores?: false },
  ): Promise<T[]>;
  /**
   * Elements whose score is within `[min, max]` (`ZRANGEBYSCORE`, O(log n + m)), **lowest score
   * first** (`reverse: true`: highest first, `ZREVRANGEBYSCORE`). Bounds are inclusive unless
   * exclusive (`'(5'`, {@link exclusive}); defaults `-inf` and `+inf`. `offset`/`count` page
   * through the result (`LIMIT`).
   *
   * @example
   * ```ts
   * await board.membersByScore(100, '+inf', { withScores: true, count: 10 });
   * ```
   */
  membersByScore(
    min?: ScoreBound,
    max?: ScoreBound,
    options?: ScoreRangeOptions,
  ): Promise<T[] | Array<[T, number]>>;
  membersByScore(
    min: ScoreBound = '-inf',
    max: ScoreBound = '+inf',
    options?: ScoreRangeOptions,
  ): Promise<T[] | Array<[T, number]>> {
    const query = byScoreCommand(this.key, min, max, options, this.errorContext);
    return this.read(query.args, elementsOf(this.serializer as Serializer<T>, query.withScores));
  }

  /** Whether an element is in the set (`ZSCORE`, O(1)). */
  contains(element: T): Promise<boolean> {
    return this.read(['ZSCORE', this.key, this.encode(element)], (reply) => double(reply) !== null);
  }

  /** An element's score (`ZSCORE`, O(1)), or null when it is not in the set. */
  score(element: T): Promise<number | null> {
    return this.read(['ZSCORE', this.key, this.encode(element)], double);
  }

  /**
   * The scores of several elements (`ZMSCORE`, Redis ≥ 6.2, O(k)), in the order asked, null for
   * each absent one. An empty input sends only a cheap `EXISTS` and returns `[]`.
   */
  scoreMany(elements: Iterable<T>): Promise<Array<number | null>> {
    const given = iterableArg(elements, 'elements', this.errorContext);
    const stored = given.map((element) => this.encode(element));
    if (stored.length === 0) return this.run(nothing(this, () => []));
    return this.read(['ZMSCORE', this.key, ...stored], (reply) => (reply as unknown[]).map(double));
  }

  /**
   * An element's rank in {@link SortedSet.members} order (`ZREVRANK`, O(log n)): 0 for the
   * highest score; null when it is not in the set.
   */
  rank(element: T): Promise<number | null> {
    return this.read(['ZREVRANK', this.key, this.encode(element)], integerOrNull);
  }

  /** Removes and returns the highest-scored element with its score (`ZPOPMAX`), or null when empty. */
  popMax(): Promise<[T, number] | null> {
    return this.#pop('ZPOPMAX');
  }

  /** Removes and returns the lowest-scored element with its score (`ZPOPMIN`), or null when empty. */
  popMin(): Promise<[T, number] | null> {
    return this.#pop('ZPOPMIN');
  }

  /**
   * Keeps only the `size` highest-scored elements (`ZREMRANGEBYRANK key 0 -(size+1)`,
   * O(log n + m)); `truncate(0)` empties the set.
   * @returns how many elements were removed.
   * @throws {@link ArgumentError} when `size` is not a non-negative integer.
   */
  truncate(size: number): Promise<number> {
    const keep = countArg(size, 'size', this.errorContext);
    return this.write(['ZREMRANGEBYRANK', this.key, '0', String(-(keep + 1))], integer);
  }

  /** Deletes the whole set (`DEL`, O(n)); true if it existed. */
  clean(): Promise<boolean> {
    return this.write(['DEL', this.key], positive);
  }

  /**
   * Removes the elements whose score is within the bounds (`ZREMRANGEBYSCORE`, O(log n + m));
   * same bounds as {@link SortedSet.membersByScore}.
   * @returns how many elements were removed.
   */
  cleanByScore(min: ScoreBound, max: ScoreBound): Promise<number> {
    const range = scoreRange(min, max, this.errorContext);
    return this.write(['ZREMRANGEBYSCORE', this.key, ...range], integer);
  }

  /**
   * Iterates over `[element, score]` pairs without blocking the server (`ZSCAN`, O(1) per
   * call), in no particular order, reading from the master so the cursor stays on one server.
   * Elements present during the whole scan are yielded at least once; one may be yielded twice.
   * `match` applies to the stored form. Not available in a pipeline or transaction.
   */
  scan(options?: ScanOptions): AsyncGenerator<[T, number], void, undefined> {
    this.direct('scan()');
    const extra = scanArgs(options, this.errorContext);
    const decode = storedReply(this.serializer, scanPage(scored(this.serializer as Serializer<T>)));
    const master = this.fromMaster();
    return scanAll((cursor) => master.read(['ZSCAN', this.key, cursor, ...extra], decode));
  }

  /** `ZPOPMAX key 1` or `ZPOPMIN key 1`: the element taken with its score, or null. */
  #pop(command: 'ZPOPMAX' | 'ZPOPMIN'): Promise<[T, number] | null> {
    const decode = scored(this.serializer as Serializer<T>);
    return this.write(
      [command, this.key, '1'],
      storedReply(this.serializer, (reply) => decode(reply)[0] ?? null),
    );
  }
}
