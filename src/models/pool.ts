import { ArgumentError } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import { flag, integer } from '../core/decoders.js';
import { list, nullable, storedReply } from './values.js';
import { countArg, iterableArg } from './args.js';
import { Model } from './model.js';
import {
  countOrFlag,
  nothing,
  scanAll,
  scanArgs,
  scanPage,
  type ScanOptions,
} from './collection.js';

/**
 * An unordered collection of distinct items (a Redis set, `SADD`/`SPOP`): the Python
 * ancestor's Pool, same layout. Add items without checking what is there; take a random one
 * out. Items are compared by their **stored** form: with `serializer.JSON`, `{ a: 1, b: 2 }` and
 * `{ b: 2, a: 1 }` are two different items. Each operation is one Redis command, hence atomic:
 * concurrent `pop()` calls never return the same item twice.
 *
 * @typeParam T - the item type, e.g. `Pool<number>` with `serializer.Numeric`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.Numeric })
 * class FreePorts extends Pool<number> {}
 * const ports = new FreePorts('workers');
 * await ports.push(8001, 8002, 8003); // 3 (items added)
 * await ports.push(8001);             // false (already there)
 * const port = await ports.pop();     // one of them, removed; null when empty
 * ```
 */
export class Pool<T = string> extends Model {
  /** The decoder of a list of items. */
  private get many(): (reply: unknown) => T[] {
    return list(this.serializer) as (reply: unknown) => T[];
  }

  /** Adds one item (`SADD`, O(1)); true if it was not there yet. */
  push(item: T): Promise<boolean>;
  /** Adds several items in one command (`SADD`, O(n)); returns how many were not there yet. */
  push(item: T, ...more: [T, ...T[]]): Promise<number>;
  /** Adds items (`SADD`): one item gives a boolean, several give the count added. */
  push(...items: [T, ...T[]]): Promise<boolean | number>;
  push(...items: T[]): Promise<boolean | number> {
    if (items.length === 0) {
      throw new ArgumentError(
        'push() needs at least one item (use pushMany for a list)',
        this.errorContext,
      );
    }
    const stored = items.map((item) => this.encode(item));
    return this.write(['SADD', this.key, ...stored], countOrFlag(items.length));
  }

  /**
   * Adds the items of a list or iterable (`SADD`, O(n)), atomically; returns how many were not
   * there yet. Nothing is stored when an item cannot be encoded. An empty input sends only a
   * cheap `EXISTS` (so the call keeps its place in a pipeline) and returns 0.
   */
  pushMany(items: Iterable<T>): Promise<number> {
    const stored = iterableArg(items, 'items', this.errorContext).map((item) => this.encode(item));
    if (stored.length === 0) return this.run(nothing(this, () => 0));
    return this.write(['SADD', this.key, ...stored], integer);
  }

  /** Removes and returns a random item (`SPOP`, O(1)), or null when the pool is empty. */
  pop(): Promise<T | null> {
    return this.write(
      ['SPOP', this.key],
      nullable(this.serializer) as (reply: unknown) => T | null,
    );
  }

  /**
   * Removes and returns up to `count` random items (`SPOP key count`, O(count)): fewer when the
   * pool holds fewer, `[]` when it is empty.
   * @throws {@link ArgumentError} when `count` is not a non-negative integer (nothing is sent).
   */
  popMany(count: number): Promise<T[]> {
    const n = countArg(count, 'count', this.errorContext);
    return this.write(['SPOP', this.key, String(n)], this.many);
  }

  /** A random item left in place (`SRANDMEMBER`, O(1)), or null when the pool is empty. */
  peek(): Promise<T | null> {
    return this.read(
      ['SRANDMEMBER', this.key],
      nullable(this.serializer) as (reply: unknown) => T | null,
    );
  }

  /**
   * Every item (`SMEMBERS`, O(n)), in no particular order; `[]` when the pool is empty. For
   * large pools prefer {@link Pool.scan}.
   */
  members(): Promise<T[]> {
    return this.read(['SMEMBERS', this.key], this.many);
  }

  /** Whether an item is in the pool (`SISMEMBER`, O(1)), compared by its stored form. */
  contains(item: T): Promise<boolean> {
    return this.read(['SISMEMBER', this.key, this.encode(item)], flag);
  }

  /**
   * For each item, whether it is in the pool (`SMISMEMBER`, Redis ≥ 6.2, O(n)), in the order
   * asked. An empty input sends only a cheap `EXISTS` and returns `[]`.
   */
  containsMany(items: Iterable<T>): Promise<boolean[]> {
    const stored = iterableArg(items, 'items', this.errorContext).map((item) => this.encode(item));
    if (stored.length === 0) return this.run(nothing(this, () => []));
    return this.read(['SMISMEMBER', this.key, ...stored], (reply) =>
      (reply as unknown[]).map(flag),
    );
  }

  /** Removes one item (`SREM`, O(1)); true if it was there. */
  remove(item: T): Promise<boolean>;
  /** Removes several items in one command (`SREM`, O(n)); returns how many were there. */
  remove(item: T, ...more: [T, ...T[]]): Promise<number>;
  /** Removes items (`SREM`): one item gives a boolean, several give the count removed. */
  remove(...items: [T, ...T[]]): Promise<boolean | number>;
  remove(...items: T[]): Promise<boolean | number> {
    if (items.length === 0) {
      throw new ArgumentError(
        'remove() needs at least one item (use removeMany for a list)',
        this.errorContext,
      );
    }
    const stored = items.map((item) => this.encode(item));
    return this.write(['SREM', this.key, ...stored], countOrFlag(items.length));
  }

  /**
   * Removes the items of a list or iterable (`SREM`, O(n)); returns how many were there. An
   * empty input sends only a cheap `EXISTS` and returns 0.
   */
  removeMany(items: Iterable<T>): Promise<number> {
    const stored = iterableArg(items, 'items', this.errorContext).map((item) => this.encode(item));
    if (stored.length === 0) return this.run(nothing(this, () => 0));
    return this.write(['SREM', this.key, ...stored], integer);
  }

  /** The number of items (`SCARD`, O(1)); 0 when the pool is empty. */
  size(): Promise<number> {
    return this.read(['SCARD', this.key], integer);
  }

  /**
   * Iterates over the items without blocking the server (`SSCAN`, O(1) per call, about `count`
   * items per round trip), reading from the master so the cursor stays on one server. Items
   * present during the whole scan are yielded at least once; an item may be yielded twice.
   * `match` applies to the stored form. Not available in a pipeline or transaction.
   *
   * @example
   * ```ts
   * for await (const port of ports.scan({ count: 500 })) check(port);
   * ```
   */
  scan(options?: ScanOptions): AsyncGenerator<T, void, undefined> {
    this.direct('scan()');
    const extra = scanArgs(options, this.errorContext);
    const decode = storedReply(this.serializer, scanPage(list(this.serializer as Serializer<T>)));
    const master = this.fromMaster();
    return scanAll((cursor) => master.read(['SSCAN', this.key, cursor, ...extra], decode));
  }
}
