import type { Command, CommandOrigin } from '../core/command.js';
import { ArgumentError, type ErrorContext } from '../core/errors.js';
import { integer, positive } from '../core/decoders.js';
import { countArg, kindOf, optionsArg } from './args.js';
import { isWellFormed } from '../serializers/serializer.js';

/**
 * Helpers shared by the collection models (HashMap, Pool, SortedSet): cursor iteration
 * (`HSCAN`, `SSCAN`, `ZSCAN`), variadic results, pair replies, and the stand-in command of an
 * operation with nothing to do.
 *
 * @internal
 * @module
 */

/** Options of the collection models' `scan()`. */
export interface ScanOptions {
  /**
   * A glob-style pattern (`MATCH`): on field names for a HashMap, on the **stored** (serialized)
   * form of members for a Pool or SortedSet. Filtering happens on the server, after each page is
   * read, so a page may come back empty.
   */
  match?: string;
  /** How many entries Redis should look at per round trip (`COUNT`, a hint; Redis default 10). */
  count?: number;
}

const SCAN_OPTIONS = { call: 'scan(options)', known: ['match', 'count'], number: 'count' };

/**
 * A `MATCH` glob, as a string UTF-8 keeps (a lone surrogate would turn into U+FFFD).
 * @throws {@link ArgumentError}
 */
export function matchArg(match: unknown, context: ErrorContext): string {
  if (typeof match !== 'string') {
    throw new ArgumentError(`match must be a string, got ${kindOf(match)}`, context);
  }
  if (!isWellFormed(match)) {
    throw new ArgumentError('match has a lone UTF-16 surrogate (half of a character)', context);
  }
  return match;
}

/** The `MATCH`/`COUNT` arguments of a scan, validated before anything is sent. */
export function scanArgs(options: ScanOptions | undefined, context: ErrorContext): string[] {
  const { match, count } = optionsArg(options, SCAN_OPTIONS, context);
  const args: string[] = [];
  if (match !== undefined) args.push('MATCH', matchArg(match, context));
  if (count !== undefined) args.push('COUNT', String(countArg(count, 'count', context, 1)));
  return args;
}

/** One page of a scan: the cursor of the next page (`'0'` after the last) and its items. */
export interface ScanPage<I> {
  /** The cursor to ask the next page with; `'0'` when this page was the last. */
  cursor: string;
  /** The page's items, decoded. */
  items: I[];
}

/**
 * The decoder of one `*SCAN` reply (the same in RESP2 and RESP3: `[cursor, items]`): the next
 * cursor, and the raw items through `decodeItems`.
 */
export function scanPage<I>(
  decodeItems: (items: unknown[]) => I[],
): (reply: unknown) => ScanPage<I> {
  return (reply) => {
    const [cursor, items] = reply as [string | Buffer | number, unknown[]];
    return { cursor: String(cursor), items: decodeItems(items) };
  };
}

/**
 * Iterates the pages of a scan, from cursor 0 until the server answers cursor 0 again.
 *
 * @param page - reads one page from a cursor and decodes its items.
 */
export async function* scanAll<I>(
  page: (cursor: string) => Promise<ScanPage<I>>,
): AsyncGenerator<I, void, undefined> {
  let cursor = '0';
  do {
    const next = await page(cursor);
    cursor = next.cursor;
    yield* next.items;
  } while (cursor !== '0');
}

/**
 * The pairs of a reply that holds them nested (RESP3: `[[a, b], ...]`) or flat (RESP2, and every
 * `*SCAN` page: `[a, b, ...]`), each side through its decoder: `[member, score]` pairs of a
 * sorted set, `[field, value]` pairs of a hash.
 */
export function pairs<A, B>(
  items: readonly unknown[],
  first: (raw: unknown) => A,
  second: (raw: unknown) => B,
): Array<[A, B]> {
  if (items.length > 0 && Array.isArray(items[0])) {
    return (items as ReadonlyArray<readonly [unknown, unknown]>).map(([a, b]) => [
      first(a),
      second(b),
    ]);
  }
  const result: Array<[A, B]> = [];
  for (let i = 0; i + 1 < items.length; i += 2)
    result.push([first(items[i]), second(items[i + 1])]);
  return result;
}

/** The decoder of a variadic removal/addition: a boolean for one item, the count for several. */
export function countOrFlag(items: number): (reply: unknown) => boolean | number {
  return items === 1 ? positive : integer;
}

/**
 * The command of an operation with nothing to do (an empty `addMany`, `top(0)`...): one cheap
 * `EXISTS` on the key, its reply ignored, that stands for the operation so that it still gets a
 * result slot in a pipeline or transaction; it resolves to `result()` (a fresh value each time).
 * A model runs it as its other commands: `this.run(nothing(this, () => 0))`.
 */
export function nothing<R>(origin: CommandOrigin, result: () => R): Command<R> {
  return {
    args: ['EXISTS', origin.key],
    write: false,
    decode: result,
    model: origin.modelName,
    key: origin.key,
  };
}
