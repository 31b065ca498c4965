import { expiry, flag, positive } from '../../core/decoders.js';
import type { DirectOnly } from '../../batch/types.js';
import { routerOf, type ModelStatics } from '../config.js';
import { Namespace } from '../namespace.js';
import { nullable, storedReply } from '../values.js';
import { getOrSet, type EntryHandle, type StoredReply } from './get-or-set.js';
import { clearAll, listIds, scanIds, type Walk } from './scan.js';
import { counted, resetStatsOf, statsOf, tallyOf, type Tally } from './stats.js';
import { ttlArg } from './ttl.js';
import { flagOption, kindOf, optionsArg, signalOption } from '../args.js';
import { ArgumentError } from '../../core/errors.js';
import type {
  CacheClearOptions,
  CacheId,
  CacheScanOptions,
  CacheSetOptions,
  CacheStats,
  GetOrSetOptions,
} from './types.js';

/** Default lifetime of a getOrSet "computing" marker, in milliseconds. */
const LOCK_TTL = 10_000;

const SET_OPTIONS = { call: 'set(id, value, options)', known: ['ttl', 'ifAbsent'], number: 'ttl' };
const GET_OR_SET_OPTIONS = {
  call: 'getOrSet(id, compute, options)',
  known: ['ttl', 'lockTtl', 'signal'],
  number: 'ttl',
};
const SCAN_OPTIONS = { known: ['match', 'count', 'signal', 'onProgress'], number: 'count' };
const CLEAR_OPTIONS = {
  call: 'clear(options)',
  known: ['count', 'wholeDatabase', 'signal', 'onProgress'],
};

/**
 * A cache: one Redis string per entry, each with its own time to live. A cache is a
 * `Namespace`: the entry `id` of a cache whose namespace is `app:users` lives at
 * `app:users:id` and holds the serialized value, readable with `redis-cli GET` (the layout of a
 * `Map` per entry). The namespace itself is never a key, so a cache has no key operations
 * (`expire()`, `rename()`...): every operation takes an entry id, or walks the entries.
 *
 * - `get/set/has/delete/pttl/pexpire(id)` are one command each (also in pipelines);
 * - `keys()`, `scan()`, `clear()` walk the namespace with `SCAN` (never `KEYS`);
 * - `getOrSet(id, compute)` computes a missing entry once across processes;
 * - {@link Cache.stats} counts hits and misses in this process.
 *
 * The namespace is `PREFIX:name` (the name: the constructor argument, else `static KEY`),
 * `PREFIX` alone, the name alone, or none at all: then an entry's key is its id
 * (`set('user:123', v)` is `SET user:123`), `keys()` lists the whole database and `clear()`
 * demands `{ wholeDatabase: true }`.
 *
 * Class defaults: `static TTL` (milliseconds) for entries stored without a `ttl`.
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
export class Cache<T = string> extends Namespace {
  /** Default time to live of entries, in **milliseconds**; none = entries never expire. */
  static TTL?: number;

  /** The value of entry `id` (`GET`), or null when absent. Counts a hit or a miss. */
  get(id: CacheId): Promise<T | null> {
    const entry = this.member(id);
    const decode = nullable(this.serializer) as (reply: unknown) => T | null;
    const read = storedReply(this.serializer, counted(decode, this.#tally(), entry));
    return entry.cachedRead('', ['GET', entry.key], read);
  }

  /**
   * Stores entry `id` (`SET`), with its time to live in the same command (`PX`), so an entry
   * never exists without its expiry. Overwrites whatever the key held, of any type.
   * @returns true when stored (false only with `ifAbsent` when the entry existed).
   * @throws {@link KeyError} for a bad id; {@link ArgumentError} for options that are not an
   * object like `{ ttl, ifAbsent }` (`set(id, value, 3600000)` included), a bad `ttl` or a
   * non-boolean `ifAbsent`; {@link EncodeError}. Nothing is sent then.
   */
  set(id: CacheId, value: T, options?: CacheSetOptions): Promise<boolean> {
    const entry = this.member(id);
    const given = optionsArg(options, SET_OPTIONS, entry.errorContext);
    const args = ['SET', entry.key, entry.encode(value)];
    const ttl = ttlArg(given.ttl, this.#classTtl, entry.errorContext);
    if (ttl !== undefined) args.push('PX', ttl);
    if (flagOption(given.ifAbsent, 'ifAbsent', entry.errorContext)) args.push('NX');
    return entry.write(args, (reply) => reply !== null && reply !== undefined);
  }

  /** Whether entry `id` exists (`EXISTS`). Not counted as a hit or miss. */
  has(id: CacheId): Promise<boolean> {
    const entry = this.member(id);
    return entry.read(['EXISTS', entry.key], positive);
  }

  /** Whether entry `id` exists (`EXISTS`): the same as {@link Cache.has}. */
  exists(id: CacheId): Promise<boolean> {
    return this.has(id);
  }

  /** Removes entry `id` (`UNLINK`); true if it existed. To remove every entry: {@link Cache.clear}. */
  delete(id: CacheId): Promise<boolean> {
    const entry = this.member(id);
    return entry.write(['UNLINK', entry.key], positive);
  }

  /**
   * Milliseconds entry `id` has left to live (`PTTL`): `Infinity` when it never expires, `null`
   * when it does not exist.
   */
  pttl(id: CacheId): Promise<number | null> {
    const entry = this.member(id);
    return entry.read(['PTTL', entry.key], expiry);
  }

  /**
   * Sets the time to live of an existing entry in **milliseconds** (`PEXPIRE`), e.g. to keep
   * a used entry longer. @returns false when the entry does not exist.
   */
  pexpire(id: CacheId, ttl: number): Promise<boolean> {
    const entry = this.member(id);
    return entry.write(['PEXPIRE', entry.key, entry.msArg(ttl, 'ttl')], flag);
  }

  /**
   * The ids of the entries, without the namespace, each once: `SCAN MATCH namespace:match`
   * page by page on the master (on every master of a cluster), never `KEYS`. `match` is a glob
   * on the id (`*`, `?`, `[a-z]`, `\\` escapes; default every entry), or pass it alone:
   * `keys('user:*')`. The namespace's own glob characters are escaped. Entries present the whole
   * time are listed; entries added or removed meanwhile may or may not be.
   *
   * Without a namespace, the entries are the whole database: `match` is a glob on the whole key
   * and the ids are the keys, of any type, whoever wrote them.
   */
  keys(options?: CacheScanOptions | string): DirectOnly<string[]> {
    this.direct('keys()');
    const scan =
      typeof options === 'string'
        ? { match: options }
        : optionsArg(options, { call: 'keys(options)', ...SCAN_OPTIONS }, this.errorContext);
    return listIds(this.#walk(), scan) as DirectOnly<string[]>;
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
  scan(options?: CacheScanOptions): AsyncGenerator<string, void, undefined> {
    this.direct('scan()');
    const scan = optionsArg(options, { call: 'scan(options)', ...SCAN_OPTIONS }, this.errorContext);
    return scanIds(this.#walk(), scan);
  }

  /**
   * Removes every entry of this cache and nothing else: `SCAN MATCH namespace:*` on the master
   * (every master of a cluster), then one `UNLINK` per page of keys found. Keys of another cache
   * whose namespace merely starts with the same text (`app:users2:x` for `app:users`) are not
   * touched. Not atomic: entries stored while it runs may survive.
   *
   * A cache without a namespace would remove every key of the database: it demands
   * `{ wholeDatabase: true }` (and a cache with one refuses that option).
   *
   * @returns how many entries it removed.
   * @throws {@link ArgumentError} (at once, nothing sent) when `wholeDatabase` is missing on a
   * cache without a namespace, or given to a cache with one.
   */
  clear(options?: CacheClearOptions): DirectOnly<number> {
    this.direct('clear()'); // synchronously: a batch gets an error, not a rejection
    const given = optionsArg(options, CLEAR_OPTIONS, this.errorContext);
    const wholeDatabase = flagOption(given.wholeDatabase, 'wholeDatabase', this.errorContext);
    return clearAll(this.#walk(), { ...given, wholeDatabase }) as DirectOnly<number>;
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
   * Counts a hit or (when this caller computes) a miss. `signal` ends this caller's wait (it
   * rejects with the signal's reason) and is handed to `compute`.
   *
   * @returns the value as stored: a computed value comes back through the serializer, the same
   * as other callers and `get()` get it.
   * @throws {@link KeyError}, {@link ArgumentError} (a bad id, `ttl` or `lockTtl`) and
   * {@link ConfigError} (in a batch) at once, before anything is sent.
   */
  getOrSet(
    id: CacheId,
    compute: (signal?: AbortSignal) => T | Promise<T>,
    options?: GetOrSetOptions,
  ): DirectOnly<T> {
    this.direct('getOrSet()'); // synchronously: a batch gets an error, not a rejection
    const entry = this.member(id);
    if (typeof compute !== 'function') {
      throw new ArgumentError(
        `getOrSet(id, compute, options): compute must be a function, got ${kindOf(compute)}`,
        entry.errorContext,
      );
    }
    const given = optionsArg(options, GET_OR_SET_OPTIONS, entry.errorContext);
    const args = {
      ttl: ttlArg(given.ttl, this.#classTtl, entry.errorContext) ?? '',
      lockTtl: entry.msArg(given.lockTtl === undefined ? LOCK_TTL : given.lockTtl, 'lockTtl'),
      tally: this.#tally(),
      signal: signalOption(given.signal, GET_OR_SET_OPTIONS.call, entry.errorContext),
    };
    return getOrSet(entry.#lent(), compute, args) as DirectOnly<T>;
  }

  /**
   * This process's hit and miss counts for this cache: shared by every handle of the same class
   * and namespace, kept in memory only (not in Redis).
   */
  get stats(): CacheStats {
    return statsOf(this.constructor, this.key);
  }

  /**
   * Sets the counts back to zero and returns what they were, e.g. to add them periodically to
   * a shared counter in Redis without losing or double-counting any.
   */
  resetStats(): CacheStats {
    return resetStatsOf(this.constructor, this.key);
  }

  /** The class `TTL` (checked where it is used). */
  get #classTtl(): number | undefined {
    return (this.constructor as ModelStatics).TTL;
  }

  /** The counters of this class and namespace. */
  #tally(): Tally {
    return tallyOf(this.constructor, this.key);
  }

  /** This cache's namespace as keys(), scan() and clear() walk it. */
  #walk(): Walk {
    return {
      router: routerOf(this.constructor as ModelStatics),
      namespaced: this.namespaced,
      pattern: (match) => this.memberPattern(match),
      idOf: (key) => this.memberId(key),
      context: this.errorContext,
    };
  }

  /** This entry handle (a `member(id)` copy) as getOrSet's steps see it. */
  #lent(): EntryHandle<T> {
    const decode = nullable(this.serializer) as (reply: unknown) => T;
    return {
      ...this.tools(),
      connection: this.connection,
      decode: (raw: StoredReply) => this.decodeWith(decode, raw),
      stored: (read) =>
        this.serializer.binary === true ? storedReply(this.serializer, (r) => read(r)) : read,
    };
  }
}
