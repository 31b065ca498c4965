/**
 * The Cache model: the class (cache.ts) and its option types (types.ts); the steps live in
 * get-or-set.ts, scan.ts, stats.ts and ttl.ts.
 *
 * @module
 */
export { Cache } from './cache.js';
export type {
  CacheClearOptions,
  CacheId,
  CacheProgress,
  CacheScanOptions,
  CacheSetOptions,
  CacheStats,
  GetOrSetOptions,
} from './types.js';
