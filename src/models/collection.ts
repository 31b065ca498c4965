import { ArgumentError, type ErrorContext } from '../core/errors.js';
import { integer, positive } from '../core/decoders.js';

/**
 * Helpers shared by the collection models (HashMap, Pool, SortedSet): cursor iteration
 * (`HSCAN`, `SSCAN`, `ZSCAN`) and variadic results.
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

/** The `MATCH`/`COUNT` arguments of a scan, validated before anything is sent. */
export function scanArgs(options: ScanOptions, context: ErrorContext): string[] {
  const args: string[] = [];
  if (options.match !== undefined) {
    if (typeof options.match !== 'string') {
      throw new ArgumentError(`match must be a string, got ${typeof options.match}`, context);
    }
    args.push('MATCH', options.match);
  }
  if (options.count !== undefined) {
    if (!Number.isSafeInteger(options.count) || options.count <= 0) {
      throw new ArgumentError(
        `count must be a positive integer, got ${String(options.count)}`,
        context,
      );
    }
    args.push('COUNT', String(options.count));
  }
  return args;
}

/** One page of a `*SCAN` reply: the next cursor and the raw items (same in RESP2 and RESP3). */
export function scanPage(reply: unknown): { cursor: string; items: unknown[] } {
  const [cursor, items] = reply as [string | Buffer | number, unknown[]];
  return { cursor: String(cursor), items };
}

/**
 * Iterates the pages of a scan, from cursor 0 until the server answers cursor 0 again.
 *
 * @param page - reads one page from a cursor and decodes its items.
 */
export async function* scanAll<I>(
  page: (cursor: string) => Promise<{ cursor: string; items: I[] }>,
): AsyncGenerator<I, void, undefined> {
  let cursor = '0';
  do {
    const next = await page(cursor);
    cursor = next.cursor;
    yield* next.items;
  } while (cursor !== '0');
}

/** The decoder of a variadic removal/addition: a boolean for one item, the count for several. */
export function countOrFlag(items: number): (reply: unknown) => boolean | number {
  return items === 1 ? positive : integer;
}
