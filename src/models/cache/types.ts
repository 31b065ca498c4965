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
  /**
   * Stops this caller's wait for another caller's computation: the call rejects with the
   * signal's `reason` (the other callers go on waiting). Also handed to `compute`, which should
   * stop when it aborts; a value it still returns is stored.
   */
  signal?: AbortSignal;
}

/** How far a walk over a cache has got, told to `onProgress` after each `SCAN` page. */
export interface CacheProgress {
  /** `SCAN` pages done. */
  pages: number;
  /** Keys found so far (`keys()`, `scan()`; a key may count twice, as `SCAN` may return it twice), or removed so far (`clear()`). */
  keys: number;
}

/** Options of {@link Cache.keys} and {@link Cache.scan}. */
export interface CacheScanOptions {
  /**
   * A glob on the entry id (`MATCH`, after the escaped namespace); default `*`, every entry.
   * Without a namespace, a glob on the whole key.
   */
  match?: string;
  /**
   * Keys Redis looks at per `SCAN` round trip (`COUNT`, a hint; default 1000). `SCAN` walks the
   * whole database, not only this cache: a large count means fewer round trips.
   */
  count?: number;
  /** Stops the walk between two pages: the call (or the iteration) rejects with the signal's `reason`. */
  signal?: AbortSignal;
  /** Told after each `SCAN` page how far the walk has got. What it throws ends the walk. */
  onProgress?: (progress: CacheProgress) => void;
}

/** Options of {@link Cache.clear}. */
export interface CacheClearOptions {
  /** Keys Redis looks at per `SCAN` round trip, as {@link CacheScanOptions.count}. */
  count?: number;
  /**
   * Confirms that `clear()` removes **every key of the database** (of every master of a
   * cluster), whatever wrote it: required by a cache without a namespace (neither `PREFIX` nor
   * a name), whose entries are the whole database; refused by a cache with one, whose
   * `clear()` removes only its own entries.
   */
  wholeDatabase?: boolean;
  /**
   * Stops the removal between two pages: the call rejects with the signal's `reason` (the keys
   * already removed stay removed).
   */
  signal?: AbortSignal;
  /** Told after each page removed how far it has got. What it throws ends the removal. */
  onProgress?: (progress: CacheProgress) => void;
}

/** Hit and miss counts of a cache, in this process. */
export interface CacheStats {
  /** get() that found the entry, and getOrSet() that returned a value it did not compute. */
  readonly hits: number;
  /** get() that found nothing, and getOrSet() that computed the value. */
  readonly misses: number;
}
