/**
 * Helper keys a model keeps beside its main key (a lock's fencing counter, a cache entry's
 * "computing" marker...). They always hash to the same Redis Cluster slot as the main key, so
 * scripts and transactions touching both never hit CROSSSLOT.
 *
 * @internal
 * @module
 */

/** The hash tag Redis Cluster would use for `key`, or undefined when it has none. */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/**
 * A helper key in the same slot as `key`: `{key}:suffix`, or `key:suffix` when `key` already
 * carries a hash tag (its first `{...}` then decides the slot of both).
 *
 * @example
 * ```ts
 * sideKey('locks:orders', 'fence');      // '{locks:orders}:fence' (same slot as 'locks:orders')
 * sideKey('locks:{orders}', 'fence');    // 'locks:{orders}:fence'
 * ```
 */
export function sideKey(key: string, suffix: string): string {
  return hashTag(key) === undefined ? `{${key}}:${suffix}` : `${key}:${suffix}`;
}
