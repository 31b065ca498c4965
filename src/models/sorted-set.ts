import type { RedisArg } from '../core/command.js';
import { ArgumentError } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import { double, integer, integerOrNull, positive } from '../core/decoders.js';
import { list } from './values.js';
import { Model } from './model.js';
import { countOrFlag, scanAll, scanArgs, scanPage, type ScanOptions } from './collection.js';

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

/** Options of {@link SortedSet.add} and {@link SortedSet.addMany}. */
export interface SortedSetAddOptions {
  /** Only add new elements; never change the score of an existing one (`NX`). */
  ifAbsent?: boolean;
  /** Only change an existing score when the new one is greater (`GT`); new elements are added. */
  ifGreater?: boolean;
  /** Only change an existing score when the new one is less (`LT`); new elements are added. */
  ifLess?: boolean;
}

/** Options of the reads that may return scores. */
export interface WithScoresOption {
  /** Return `[element, score]` pairs instead of elements (`WITHSCORES`). */
  withScores?: boolean;
}

/** Options of {@link SortedSet.membersByScore}. */
export interface ScoreRangeOptions extends WithScoresOption {
  /** Elements to skip first (`LIMIT offset count`); default 0. */
  offset?: number;
  /** At most this many elements (`LIMIT offset count`); default all. */
  count?: number;
  /** Highest score first (`ZREVRANGEBYSCORE`) instead of lowest first. */
  reverse?: boolean;
}

/** A score as Redis reads it: `+inf`/`-inf` for the infinities. */
function formatScore(score: number): string {
  return score === Infinity ? '+inf' : score === -Infinity ? '-inf' : String(score);
}

/** What Redis accepts as a range bound: an optional `(` and a double (inf included). */
const BOUND = /^\(?(?:[+-]?inf(?:inity)?|[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

/** A reply score (RESP3 double, RESP2 string, inf) as a number. */
function scoreOf(raw: unknown): number {
  const value = double(raw);
  if (value === null || Number.isNaN(value)) throw new Error(`invalid score ${String(raw)}`);
  return value;
}

/**
 * Decodes `WITHSCORES` replies: RESP3 `[[member, score], ...]` or RESP2 `[member, score, ...]`.
 */
function scored<T>(serializer: Serializer<T>): (reply: unknown) => Array<[T, number]> {
  return (reply) => {
    const items = reply as unknown[];
    if (items.length > 0 && Array.isArray(items[0])) {
      return (items as Array<[string | Buffer, unknown]>).map(([member, score]) => [
        serializer.decode(member),
        scoreOf(score),
      ]);
    }
    const pairs: Array<[T, number]> = [];
    for (let i = 0; i + 1 < items.length; i += 2) {
      pairs.push([serializer.decode(items[i] as string | Buffer), scoreOf(items[i + 1])]);
    }
    return pairs;
  };
}

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
  private context(): { model: string; key: string } {
    return { model: this.modelName, key: this.key };
  }

  /** A score (`add`, `incr`): a number, ±Infinity allowed, NaN refused. */
  private scoreArg(score: number, name: string): string {
    if (typeof score !== 'number' || Number.isNaN(score)) {
      throw new ArgumentError(
        `${name} must be a number (finite, Infinity or -Infinity), got ${String(score)}`,
        this.context(),
      );
    }
    return formatScore(score);
  }

  /** A range bound, checked before sending. */
  private boundArg(bound: ScoreBound, name: string): string {
    if (typeof bound === 'number') return this.scoreArg(bound, name);
    if (typeof bound !== 'string' || !BOUND.test(bound)) {
      throw new ArgumentError(
        `${name} must be a number, '-inf', '+inf' or an exclusive bound like '(5', got ${String(bound)}`,
        this.context(),
      );
    }
    return bound;
  }

  /** A non-negative integer (a size, an offset, a count). */
  private countArg(value: number, name: string): number {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ArgumentError(
        `${name} must be a non-negative integer, got ${String(value)}`,
        this.context(),
      );
    }
    return value;
  }

  /** The `NX`/`GT`/`LT` flags of ZADD, checked for conflicts. */
  private addFlags(options: SortedSetAddOptions): string[] {
    const flags: string[] = [];
    if (options.ifGreater && options.ifLess) {
      throw new ArgumentError('ifGreater and ifLess cannot be combined', this.context());
    }
    if (options.ifAbsent && (options.ifGreater || options.ifLess)) {
      throw new ArgumentError('ifAbsent cannot be combined with ifGreater/ifLess', this.context());
    }
    if (options.ifAbsent) flags.push('NX');
    if (options.ifGreater) flags.push('GT');
    if (options.ifLess) flags.push('LT');
    return flags;
  }

  /** One cheap command that stands for an operation with nothing to do, so it still gets a result slot in a batch. */
  private nothing<R>(result: () => R): Promise<R> {
    return this.read(['EXISTS', this.key], result);
  }

  /** Decoder of elements, or of `[element, score]` pairs. */
  private elements(withScores: boolean | undefined): (reply: unknown) => T[] | Array<[T, number]> {
    const serializer = this.serializer as Serializer<T>;
    return withScores ? scored(serializer) : (list(serializer) as (reply: unknown) => T[]);
  }

  /**
   * Adds an element with its score, or changes the score of an existing one (`ZADD`,
   * O(log n)). Options: `ifAbsent` (`NX`), `ifGreater` (`GT`), `ifLess` (`LT`).
   * @returns true when the element is new.
   * @throws {@link ArgumentError} for a NaN score or conflicting options (nothing is sent).
   */
  add(element: T, score: number, options: SortedSetAddOptions = {}): Promise<boolean> {
    const args: RedisArg[] = ['ZADD', this.key, ...this.addFlags(options)];
    args.push(this.scoreArg(score, 'score'), this.encode(element));
    return this.write(args, positive);
  }

  /**
   * Adds several `[element, score]` pairs in one command (`ZADD`, O(k log n)), atomically; also
   * takes a JS `Map<T, number>`. Same options as {@link SortedSet.add}.
   * @returns how many elements are new. An empty input sends only a cheap `EXISTS` (so the call
   * keeps its place in a pipeline) and returns 0.
   */
  addMany(
    entries: Iterable<readonly [T, number]>,
    options: SortedSetAddOptions = {},
  ): Promise<number> {
    const args: RedisArg[] = ['ZADD', this.key, ...this.addFlags(options)];
    let count = 0;
    for (const [element, score] of entries) {
      args.push(this.scoreArg(score, 'score'), this.encode(element));
      count++;
    }
    if (count === 0) return this.nothing(() => 0);
    return this.write(args, integer);
  }

  /**
   * Adds `by` (default 1; any number, fractions allowed) to an element's score and returns the
   * new score (`ZINCRBY`, O(log n)). A missing element starts from 0.
   */
  incr(element: T, by = 1): Promise<number> {
    return this.write(
      ['ZINCRBY', this.key, this.scoreArg(by, 'by'), this.encode(element)],
      scoreOf,
    );
  }

  /** Removes one element (`ZREM`, O(log n)); true if it was there. */
  remove(element: T): Promise<boolean>;
  /** Removes several elements in one command (`ZREM`, O(k log n)); returns how many were there. */
  remove(element: T, ...more: [T, ...T[]]): Promise<number>;
  /** Removes elements (`ZREM`): one element gives a boolean, several give the count removed. */
  remove(...elements: [T, ...T[]]): Promise<boolean | number>;
  remove(...elements: T[]): Promise<boolean | number> {
    if (elements.length === 0) {
      throw new ArgumentError('remove() needs at least one element', this.context());
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
    return this.read(
      [
        'ZCOUNT',
        this.key,
        this.boundArg(min ?? '-inf', 'min'),
        this.boundArg(max ?? '+inf', 'max'),
      ],
      integer,
    );
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
  members(options: WithScoresOption = {}): Promise<T[] | Array<[T, number]>> {
    const args = ['ZREVRANGE', this.key, '0', '-1'];
    if (options.withScores) args.push('WITHSCORES');
    return this.read(args, this.elements(options.withScores));
  }

  /** The `count` highest-scored elements with scores (`ZREVRANGE 0 count-1 WITHSCORES`). */
  top(count: number, options: WithScoresOption & { withScores: true }): Promise<Array<[T, number]>>;
  /** The `count` highest-scored elements, highest first (`ZREVRANGE 0 count-1`). */
  top(count: number, options?: WithScoresOption & { withScores?: false }): Promise<T[]>;
  /**
   * The `count` highest-scored elements, highest first (`ZREVRANGE 0 count-1 [WITHSCORES]`,
   * O(log n + count)).
   * @throws {@link ArgumentError} when `count` is not a non-negative integer.
   */
  top(count: number, options?: WithScoresOption): Promise<T[] | Array<[T, number]>>;
  top(count: number, options: WithScoresOption = {}): Promise<T[] | Array<[T, number]>> {
    const n = this.countArg(count, 'count');
    if (n === 0) return this.nothing(() => []);
    const args = ['ZREVRANGE', this.key, '0', String(n - 1)];
    if (options.withScores) args.push('WITHSCORES');
    return this.read(args, this.elements(options.withScores));
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
    options: ScoreRangeOptions = {},
  ): Promise<T[] | Array<[T, number]>> {
    const low = this.boundArg(min, 'min');
    const high = this.boundArg(max, 'max');
    const args = options.reverse
      ? ['ZREVRANGEBYSCORE', this.key, high, low]
      : ['ZRANGEBYSCORE', this.key, low, high];
    if (options.withScores) args.push('WITHSCORES');
    if (options.offset !== undefined || options.count !== undefined) {
      const offset = this.countArg(options.offset ?? 0, 'offset');
      const count = options.count === undefined ? -1 : this.countArg(options.count, 'count');
      args.push('LIMIT', String(offset), String(count));
    }
    return this.read(args, this.elements(options.withScores));
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
    const stored = [...elements].map((element) => this.encode(element));
    if (stored.length === 0) return this.nothing(() => []);
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
    const decode = scored(this.serializer as Serializer<T>);
    return this.write(['ZPOPMAX', this.key, '1'], (reply) => decode(reply)[0] ?? null);
  }

  /** Removes and returns the lowest-scored element with its score (`ZPOPMIN`), or null when empty. */
  popMin(): Promise<[T, number] | null> {
    const decode = scored(this.serializer as Serializer<T>);
    return this.write(['ZPOPMIN', this.key, '1'], (reply) => decode(reply)[0] ?? null);
  }

  /**
   * Keeps only the `size` highest-scored elements (`ZREMRANGEBYRANK key 0 -(size+1)`,
   * O(log n + m)); `truncate(0)` empties the set.
   * @returns how many elements were removed.
   */
  truncate(size: number): Promise<number> {
    const keep = this.countArg(size, 'size');
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
    return this.write(
      ['ZREMRANGEBYSCORE', this.key, this.boundArg(min, 'min'), this.boundArg(max, 'max')],
      integer,
    );
  }

  /**
   * Iterates over `[element, score]` pairs without blocking the server (`ZSCAN`, O(1) per
   * call), in no particular order, reading from the master so the cursor stays on one server.
   * Elements present during the whole scan are yielded at least once; one may be yielded twice.
   * `match` applies to the stored form. Not available in a pipeline or transaction.
   */
  scan(options: ScanOptions = {}): AsyncGenerator<[T, number], void, undefined> {
    this.direct('scan()');
    const extra = scanArgs(options, this.context());
    const decodeItems = scored(this.serializer as Serializer<T>);
    const master = this.fromMaster();
    const decode = (reply: unknown): { cursor: string; items: Array<[T, number]> } => {
      const page = scanPage(reply);
      return { cursor: page.cursor, items: decodeItems(page.items) };
    };
    return scanAll((cursor) => master.read(['ZSCAN', this.key, cursor, ...extra], decode));
  }
}
