export type { NearCacheOptions, NearCacheStats } from './options.js';
