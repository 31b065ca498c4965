import type { RedisArg } from '../core/command.js';
import type { Connection } from '../connection/connection.js';
import { ArgumentError, ConfigError, KeyError } from '../core/errors.js';
import { Script } from '../core/script.js';
import { flag, integer, positive, expiry } from '../core/decoders.js';
import { nullable } from './values.js';
import { hashTag, sideKey } from '../core/keys.js';
import { newToken } from '../core/token.js';
import { routerOf, type ModelStatics } from './config.js';
import { Model } from './model.js';
import type { DirectOnly } from '../batch/types.js';

const fetchScript = Script.of('cache-fetch-3');
const storeScript = Script.of('cache-store-3');
const releaseScript = Script.of('cache-release-2');

/** Default lifetime of a getOrSet "computing" marker, in milliseconds. */
const LOCK_TTL = 10_000;
/** A waiter re-checks at least this often (ms), even when no wake-up comes. */
const WAIT_CAP = 1_000;
/** Default SCAN `COUNT` of keys()/scan()/clear(). */
const SCAN_COUNT = 1_000;

/** An entry id: a string, or a finite number used as its decimal text. */
export type CacheId = string | number;

/** Options of {@link Cache.set}. */
export interface CacheSetOptions {
  /**
   * Time to live in **milliseconds**, set in the same command as the value (`SET ... PX`).
   * Omitted: the class `TTL`, or no expiry when there is none. `Infinity`: no expiry, even
   * when the class has a `TTL`.
   */
  ttl?: number;
  /** Only store when the entry does not exist (`NX`); the result says whether it was stored. */
  ifAbsent?: boolean;
}

/** Options of {@link Cache.getOrSet}. */
export interface GetOrSetOptions {
  /** Time to live of the computed entry in **milliseconds**; same rules as {@link CacheSetOptions.ttl}. */
  ttl?: number;
  /**
   * Lifetime of the "computing" marker in **milliseconds** (default 10 000): how long other
   * callers wait for the computing caller before they take over. Make it longer than
   * `compute` takes; if it runs out, another caller may compute too.
   */
  lockTtl?: number;
}

/** Options of {@link Cache.keys}, {@link Cache.scan} and {@link Cache.clear}. */
export interface CacheScanOptions {
  /** A glob on the entry id (`MATCH`, after the escaped namespace); default `*`, every entry. */
  match?: string;
  /**
   * Keys Redis looks at per `SCAN` round trip (`COUNT`, a hint; default 1000). `SCAN` walks the
   * whole database, not only this cache: a large count means fewer round trips.
   */
  count?: number;
}

/** Hit and miss counts of a cache, in this process. */
export interface CacheStats {
  /** get() that found the entry, and getOrSet() that returned a value it did not compute. */
  readonly hits: number;
  /** get() that found nothing, and getOrSet() that computed the value. */
  readonly misses: number;
}

type Tally = { hits: number; misses: number };
type StoredReply = string | Buffer;
type Fetched =
  { state: 'hit'; raw: StoredReply } | { state: 'claimed' } | { state: 'busy'; pttl: number };

/** Per cache class, per namespace: the counters of this process. */
const tallies = new WeakMap<object, globalThis.Map<string, Tally>>();
/** Per Connection class, per wake-up list: the blocking wait this process already runs. */
const waits = new WeakMap<typeof Connection, globalThis.Map<string, Promise<unknown>>>();

/** Escapes the glob characters of `SCAN MATCH` so that `text` matches only itself. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A helper key of an entry, in the entry's cluster slot and outside the cache's namespace:
 * `sideKey(entry, suffix)`. When the entry key carries a hash tag, `sideKey` would give
 * `entry:suffix`, which SCAN would take for an entry; the tag then goes first instead.
 */
function entrySideKey(entry: string, suffix: string): string {
  const tag = hashTag(entry);
  return tag === undefined ? sideKey(entry, suffix) : `{${tag}}~${suffix}:${entry}`;
}

function rawOrNull(reply: unknown): StoredReply | null {
  return reply === null || reply === undefined ? null : (reply as StoredReply);
}

function fetched(reply: unknown): Fetched {
  const [state, payload] = reply as [unknown, unknown];
  switch (integer(state)) {
    case 1:
      return { state: 'hit', raw: payload as StoredReply };
    case 0:
      return { state: 'claimed' };
    default:
      return { state: 'busy', pttl: integer(payload) };
  }
}

/**
 * A cache: one Redis string per entry, under the model's key used as a namespace. The entry
 * `id` of a cache whose key is `app:users` lives at `app:users:id` and holds the serialized
 * value, readable with `redis-cli GET` (the layout of a `Map` per entry). The namespace key
 * itself is never written.
 *
 * - `get/set/has/delete/pttl/pexpire(id)` are one command each (also in pipelines);
 * - `keys()`, `scan()`, `clear()` walk the namespace with `SCAN` (never `KEYS`);
 * - `getOrSet(id, compute)` computes a missing entry once across processes;
 * - {@link Cache.stats} counts hits and misses in this process.
 *
 * Class defaults: `static TTL` (milliseconds) for entries stored without a `ttl`. The
 * key-level operations of {@link Model} (`exists()`, `delete()` without an id, `expire`,
 * `ttl`, `persist`, `rename`) would address the namespace, which holds nothing: they throw a
 * {@link KeyError}; use the entry operations and `clear()`.
 *
 * @typeParam T - the value type, e.g. `Cache<User>` with `serializer.Typed`.
 *
 * @example
 * ```ts
 * class UserCache extends Cache<User> {
 *   static CONNECTION = Main;
 *   static SERIALIZER = serializer.JSON;
 *   static PREFIX = 'app';
 *   static KEY = 'users';
 *   static TTL = 60_000;
 * }
 * const users = new UserCache();
 * await users.set('42', ann);                                   // SET app:users:42 ... PX 60000
 * const user = await users.getOrSet('7', () => db.user(7));     // computed once cluster-wide
 * users.stats;                                                  // { hits: 0, misses: 1 }
 * ```
 */
export class Cache<T = string> extends Model {
  /** Default time to live of entries, in **milliseconds**; none = entries never expire. */
  static TTL?: number;

  /** The value of entry `id` (`GET`), or null when absent. Counts a hit or a miss. */
  get(id: CacheId): Promise<T | null> {
    const entry = this.entry(id);
    const decode = nullable(this.serializer);
    const tally = this.tally();
    return entry.read(['GET', entry.key], (reply) => {
      const absent = reply === null || reply === undefined;
      tally[absent ? 'misses' : 'hits'] += 1;
      return (absent ? null : decode(reply)) as T | null;
    });
  }

  /**
   * Stores entry `id` (`SET`), with its time to live in the same command (`PX`), so an entry
   * never exists without its expiry. Overwrites whatever the key held, of any type.
   * @returns true when stored (false only with `ifAbsent` when the entry existed).
   */
  set(id: CacheId, value: T, options: CacheSetOptions = {}): Promise<boolean> {
    const entry = this.entry(id);
    const args = ['SET', entry.key, entry.encode(value)];
    const ttl = entry.ttlArg(options.ttl);
    if (ttl !== undefined) args.push('PX', ttl);
    if (options.ifAbsent) args.push('NX');
    return entry.write(args, (reply) => reply !== null && reply !== undefined);
  }

  /** Whether entry `id` exists (`EXISTS`). Not counted as a hit or miss. */
  has(id: CacheId): Promise<boolean> {
    const entry = this.entry(id);
    return entry.read(['EXISTS', entry.key], positive);
  }

  /**
   * Whether entry `id` exists (`EXISTS`): the same as {@link Cache.has}.
   * @throws {@link KeyError} without an id (the namespace itself is never a key).
   */
  override exists(id?: CacheId): Promise<boolean> {
    return this.has(this.required(id, 'exists'));
  }

  /**
   * Removes entry `id` (`UNLINK`); true if it existed. To remove every entry: {@link Cache.clear}.
   * @throws {@link KeyError} without an id.
   */
  override delete(id?: CacheId): Promise<boolean> {
    const entry = this.entry(this.required(id, 'delete'));
    return entry.write(['UNLINK', entry.key], positive);
  }

  /**
   * Milliseconds entry `id` has left to live (`PTTL`): `Infinity` when it never expires, `null`
   * when it does not exist.
   */
  pttl(id: CacheId): Promise<number | null> {
    const entry = this.entry(id);
    return entry.read(['PTTL', entry.key], expiry);
  }

  /**
   * Sets the time to live of an existing entry in **milliseconds** (`PEXPIRE`), e.g. to keep
   * a used entry longer. @returns false when the entry does not exist.
   */
  pexpire(id: CacheId, ttl: number): Promise<boolean> {
    const entry = this.entry(id);
    return entry.write(['PEXPIRE', entry.key, entry.msArg(ttl, 'ttl')], flag);
  }

  /**
   * The ids of the entries, without the namespace, each once: `SCAN MATCH namespace:match`
   * page by page on the master (on every master of a cluster), never `KEYS`. `match` is a glob
   * on the id (`*`, `?`, `[a-z]`, `\\` escapes; default every entry), or pass it alone:
   * `keys('user:*')`. The namespace's own glob characters are escaped. Entries present the whole
   * time are listed; entries added or removed meanwhile may or may not be.
   */
  keys(options: CacheScanOptions | string = {}): DirectOnly<string[]> {
    this.direct('keys()');
    return this.listKeys(options) as DirectOnly<string[]>;
  }

  private async listKeys(options: CacheScanOptions | string): Promise<string[]> {
    const ids = new Set<string>();
    for await (const id of this.scan(typeof options === 'string' ? { match: options } : options)) {
      ids.add(id);
    }
    return [...ids];
  }

  /**
   * Iterates the ids of the entries as {@link Cache.keys} lists them, one `SCAN` page at a
   * time, so memory stays flat on large caches. As with `SCAN`, an id may come twice. Not
   * available in a pipeline or transaction.
   *
   * @example
   * ```ts
   * for await (const id of users.scan({ match: 'eu-*' })) console.log(id);
   * ```
   */
  scan(options: CacheScanOptions = {}): AsyncGenerator<string, void, undefined> {
    this.direct('scan()');
    const skip = this.key.length + 1;
    return this.pages(options, (keys) => keys.map((key) => key.slice(skip)));
  }

  /**
   * Removes every entry of this cache and nothing else: `SCAN MATCH namespace:*` on the master
   * (every master of a cluster), then one `UNLINK` per page of keys found. Keys of another cache
   * whose namespace merely starts with the same text (`app:users2:x` for `app:users`) are not
   * touched. Not atomic: entries stored while it runs may survive.
   * @returns how many entries it removed.
   */
  clear(options: Pick<CacheScanOptions, 'count'> = {}): DirectOnly<number> {
    this.direct('clear()'); // synchronously: a batch gets an error, not a rejection
    return this.clearAll(options) as DirectOnly<number>;
  }

  private async clearAll(options: Pick<CacheScanOptions, 'count'>): Promise<number> {
    const topology = routerOf(this.constructor as ModelStatics);
    let removed = 0;
    for await (const keys of this.pages({ count: options.count }, (page) => [page])) {
      removed += await topology.unlink(keys);
    }
    return removed;
  }

  /**
   * The value of entry `id`; when it is missing, `compute()` runs **once** among all the
   * callers asking for it at the same time, in every process, and its value is stored with
   * `ttl`:
   *
   * 1. `GET`; a hit returns.
   * 2. One script reads the entry again or, when it is still missing, claims the entry's
   *    "computing" marker (`SET marker token NX PX lockTtl`).
   * 3. The winner computes, then one script stores the value with its ttl, deletes the marker
   *    if it is still its own, and pushes a wake-up to a side list.
   * 4. The others block on that list (`BLMOVE`, on a connection of their own, one per entry and
   *    process) for at most the marker's remaining lifetime, then go back to 2: they take the
   *    value, or take over when the winner died and its marker expired.
   *
   * When `compute` throws (or returns a value the serializer refuses), the marker is freed and
   * the waiters woken, the error propagates to this caller, and a waiter computes in turn.
   * Counts a hit or (when this caller computes) a miss.
   *
   * @returns the value as stored: a computed value comes back through the serializer, the same
   * as other callers and `get()` get it.
   */
  getOrSet(
    id: CacheId,
    compute: () => T | Promise<T>,
    options: GetOrSetOptions = {},
  ): DirectOnly<T> {
    this.direct('getOrSet()'); // synchronously: a batch gets an error, not a rejection
    return this.fetch(id, compute, options) as DirectOnly<T>;
  }

  private async fetch(
    id: CacheId,
    compute: () => T | Promise<T>,
    options: GetOrSetOptions,
  ): Promise<T> {
    const entry = this.entry(id);
    const ttl = entry.ttlArg(options.ttl) ?? '';
    const lockTtl = entry.msArg(options.lockTtl ?? LOCK_TTL, 'lockTtl');
    const tally = this.tally();
    const cached = await entry.now(entry.read(['GET', entry.key], rawOrNull));
    if (cached !== null) {
      tally.hits += 1;
      return entry.decoded(cached);
    }
    const token = newToken();
    const keys = [
      entry.key,
      entrySideKey(entry.key, 'computing'),
      entrySideKey(entry.key, 'done'),
    ] as const;
    for (;;) {
      const state = await entry.now(
        entry.script(fetchScript, keys, [token, lockTtl], { write: true, decode: fetched }),
      );
      if (state.state === 'hit') {
        tally.hits += 1;
        return entry.decoded(state.raw);
      }
      if (state.state === 'claimed') {
        tally.misses += 1;
        return entry.computeAndStore(compute, keys, token, ttl, lockTtl);
      }
      await entry.waitFor(keys[2], state.pttl);
    }
  }

  /**
   * This process's hit and miss counts for this cache: shared by every handle of the same class
   * and namespace, kept in memory only (not in Redis).
   */
  get stats(): CacheStats {
    const tally = tallies.get(this.constructor)?.get(this.key);
    return { hits: tally?.hits ?? 0, misses: tally?.misses ?? 0 };
  }

  /**
   * Sets the counts back to zero and returns what they were, e.g. to add them periodically to
   * a shared counter in Redis without losing or double-counting any.
   */
  resetStats(): CacheStats {
    const counts = this.stats;
    const tally = tallies.get(this.constructor)?.get(this.key);
    if (tally !== undefined) {
      // Zeroed in place: operations in flight hold this object and still count into it.
      tally.hits = 0;
      tally.misses = 0;
    }
    return counts;
  }

  /** @throws {@link KeyError}: the namespace is not a key of its own; use `pexpire(id, ms)`. */
  override expire(_seconds?: number): Promise<boolean> {
    throw this.noNamespaceKey('expire()', 'pexpire(id, ms)');
  }

  /** @throws {@link KeyError}: the namespace is not a key of its own; use `pttl(id)`. */
  override ttl(): Promise<number | null> {
    throw this.noNamespaceKey('ttl()', 'pttl(id)');
  }

  /** @throws {@link KeyError}: the namespace is not a key of its own; use `set(id, v, { ttl: Infinity })`. */
  override persist(): Promise<boolean> {
    throw this.noNamespaceKey('persist()', 'set(id, value, { ttl: Infinity })');
  }

  /** @throws {@link KeyError}: a cache cannot be renamed as one key. */
  override rename(_newKey: string, _options?: { overwrite?: boolean }): Promise<boolean> {
    throw this.noNamespaceKey('rename()', 'another namespace for new entries');
  }

  /** The winner's part of getOrSet: compute, then store and wake, or free and wake. */
  private async computeAndStore(
    compute: () => T | Promise<T>,
    keys: readonly [string, string, string],
    token: string,
    ttl: string,
    lockTtl: string,
  ): Promise<T> {
    let encoded: RedisArg;
    try {
      encoded = this.encode(await compute());
    } catch (error) {
      // The marker would expire anyway: a failure to free it must not hide compute's error.
      await this.now(
        this.script(releaseScript, keys.slice(1), [token, lockTtl], { write: true }),
      ).catch(() => undefined);
      throw error;
    }
    await this.now(this.script(storeScript, keys, [token, encoded, ttl, lockTtl], { write: true }));
    return this.decoded(encoded);
  }

  /**
   * Waits for a wake-up on `list` for at most the marker's `pttl` ms (at most `WAIT_CAP`), on a
   * blocking connection. The callers of this process waiting on the same entry share one wait.
   */
  private waitFor(list: string, pttl: number): Promise<unknown> {
    const connection = this.connection;
    let pending = waits.get(connection);
    if (pending === undefined) {
      pending = new globalThis.Map();
      waits.set(connection, pending);
    }
    const shared = pending;
    let wait = shared.get(list);
    if (wait === undefined) {
      // pttl -1: a marker without expiry (set by hand), only the cap bounds the wait.
      const ms = pttl === -1 ? WAIT_CAP : Math.min(Math.max(pttl, 1), WAIT_CAP);
      const seconds = (ms / 1000).toFixed(3);
      wait = this.blocking((client) =>
        client.sendCommand(['BLMOVE', list, list, 'LEFT', 'LEFT', seconds]),
      ).finally(() => shared.delete(list));
      shared.set(list, wait);
    }
    return wait;
  }

  /** A copy of this handle whose key is entry `id`'s: commands and errors name the entry. */
  private entry(id: CacheId): this {
    const name = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
    if (typeof name !== 'string' || name === '') {
      throw new KeyError(
        `an entry id must be a non-empty string or a finite number, got ${String(id)}`,
        { model: this.modelName, key: this.key },
      );
    }
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    (copy as { key: string }).key = `${this.key}:${name}`;
    return copy;
  }

  /** The `PX` argument: the option, else the class `TTL`; undefined = no expiry. */
  private ttlArg(ttl: number | undefined): string | undefined {
    if (ttl === Infinity) return undefined;
    if (ttl !== undefined) return this.msArg(ttl, 'ttl');
    const fallback = (this.constructor as typeof Cache).TTL;
    if (fallback === undefined || fallback === Infinity) return undefined;
    if (!Number.isInteger(fallback) || fallback <= 0) {
      throw new ConfigError(
        `static TTL must be a positive integer of milliseconds, got ${String(fallback)}`,
        { model: this.modelName, key: this.key },
      );
    }
    return String(fallback);
  }

  /**
   * The namespace's keys, a SCAN page at a time, each page mapped by `each`. The options are
   * checked at once, before the first page is asked for.
   */
  private pages<I>(
    options: CacheScanOptions,
    each: (keys: string[]) => I[],
  ): AsyncGenerator<I, void, undefined> {
    const match = this.matchArg(options.match ?? '*');
    const count = this.countArg(options.count);
    const topology = routerOf(this.constructor as ModelStatics);
    return (async function* () {
      for await (const keys of topology.scan(match, count)) yield* each(keys);
    })();
  }

  private matchArg(pattern: string): string {
    if (typeof pattern !== 'string' || pattern === '') {
      throw new ArgumentError(`match must be a non-empty glob string, got ${String(pattern)}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return `${globEscape(this.key)}:${pattern}`;
  }

  private countArg(count: number = SCAN_COUNT): number {
    if (!Number.isSafeInteger(count) || count <= 0) {
      throw new ArgumentError(`count must be a positive integer, got ${String(count)}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return count;
  }

  private decoded(raw: StoredReply): T {
    return this.decodeWith(nullable(this.serializer), raw) as T;
  }

  private tally(): Tally {
    let byKey = tallies.get(this.constructor);
    if (byKey === undefined) {
      byKey = new globalThis.Map();
      tallies.set(this.constructor, byKey);
    }
    let tally = byKey.get(this.key);
    if (tally === undefined) {
      tally = { hits: 0, misses: 0 };
      byKey.set(this.key, tally);
    }
    return tally;
  }

  private required(id: CacheId | undefined, operation: string): CacheId {
    if (id === undefined) {
      throw new KeyError(`${operation}() needs an entry id (clear() removes every entry)`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return id;
  }

  private noNamespaceKey(operation: string, instead: string): KeyError {
    return new KeyError(
      `${operation} would address the namespace, which is not a key of a Cache: use ${instead}`,
      { model: this.modelName, key: this.key },
    );
  }
}
