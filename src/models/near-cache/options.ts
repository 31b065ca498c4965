import { ConfigError, type ErrorContext } from '../../core/errors.js';

/**
 * A model class's near cache (`@model({ nearCache })` or `static NEAR_CACHE`): its reads kept in
 * this process's memory, decoded, until Redis says the key changed (see docs/near-cache.md).
 */
export interface NearCacheOptions {
  /** The most entries kept (the least recently used go first). Default 10,000. */
  max?: number;
  /** How long an entry is served, in **milliseconds**, whatever happens. Default: no limit. */
  ttl?: number;
}

/** A near cache's counters in this process, since the class's first cached read. */
export interface NearCacheStats {
  /** Reads served from memory. */
  readonly hits: number;
  /** Reads that went to Redis (and were kept, unless the key changed meanwhile). */
  readonly misses: number;
  /** Entries dropped to stay within `max`, or because their `ttl` passed. */
  readonly evictions: number;
  /** Entries dropped because the key changed (a write here or elsewhere, a flush, a lost link). */
  readonly invalidations: number;
  /** Entries held now. */
  readonly size: number;
}

/** The default `max`. */
export const DEFAULT_MAX = 10_000;

/** A near cache's settings, checked. @internal */
export interface NearCacheSettings {
  readonly max: number;
  /** 0: no ttl. */
  readonly ttl: number;
}

const NAMES = new Set(['max', 'ttl']);

/** Checks `NEAR_CACHE`: an object with a positive integer `max` and `ttl` (ms). @internal */
export function nearCacheSettings(options: unknown, context: ErrorContext): NearCacheSettings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('NEAR_CACHE must be an object { max?, ttl? }', context);
  }
  for (const name of Object.keys(options)) {
    if (!NAMES.has(name)) {
      throw new ConfigError(`NEAR_CACHE has an unknown option '${name}' (max, ttl)`, context);
    }
  }
  const { max = DEFAULT_MAX, ttl } = options as NearCacheOptions;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ConfigError(`NEAR_CACHE.max must be a positive integer, got ${String(max)}`, context);
  }
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 1)) {
    throw new ConfigError(
      `NEAR_CACHE.ttl must be a positive integer of milliseconds, got ${String(ttl)}`,
      context,
    );
  }
  return { max, ttl: ttl ?? 0 };
}
