/**
 * Helper keys a model keeps beside its main key (a lock's fencing counter, a cache entry's
 * "computing" marker...). They always hash to the same Redis Cluster slot as the main key, so
 * scripts and transactions touching both never hit CROSSSLOT.
 *
 * @internal
 * @module
 */

import { hashTag, slotOf } from './slot.js';

export { hashTag } from './slot.js';

/** Per cluster slot, a short tag (letters and digits) that hashes to it; built on first use. */
let slotTags: string[] | undefined;

/**
 * A hash tag of the same cluster slot as `key`, for a key whose slot no `{...}` around it can
 * give (no tag of its own, and a `}` in it: `{key}` would end at that `}`). The shortest
 * alphanumeric string of that slot: the 16,384 are found once, in about a millisecond.
 */
export function slotTag(key: string): string {
  if (slotTags === undefined) {
    const tags: string[] = [];
    let found = 0;
    for (let n = 0; found < 16_384; n++) {
      const tag = n.toString(36);
      const slot = slotOf(tag);
      if (tags[slot] === undefined) {
        tags[slot] = tag;
        found += 1;
      }
    }
    slotTags = tags;
  }
  return slotTags[slotOf(key)];
}

/**
 * A helper key in the same slot as `key`: `{key}:suffix`, or `key:suffix` when `key` already
 * carries a hash tag (its first `{...}` then decides the slot of both). A key without a tag
 * but with a `}` (where `{key}` would end early, in another slot) gets a short tag of its own
 * slot instead: `{slotTag}~suffix:key`.
 *
 * @example
 * ```ts
 * sideKey('locks:orders', 'fence');      // '{locks:orders}:fence' (same slot as 'locks:orders')
 * sideKey('locks:{orders}', 'fence');    // 'locks:{orders}:fence'
 * ```
 */
export function sideKey(key: string, suffix: string): string {
  if (hashTag(key) !== undefined) return `${key}:${suffix}`;
  return key.includes('}') ? `{${slotTag(key)}}~${suffix}:${key}` : `{${key}}:${suffix}`;
}

/**
 * `make` remembered for the last keys it was asked for (at most `max`; past that, all are
 * forgotten at once): models whose handles are often made per call (`new Jobs(name).acquire()`)
 * derive their side keys once per key instead of on every call. What `make` returns is shared:
 * it must never be changed.
 *
 * @internal
 */
export function perKey<T>(make: (key: string) => T, max = 1024): (key: string) => T {
  let memo = new Map<string, T>();
  return (key) => {
    let value = memo.get(key);
    if (value === undefined) {
      if (memo.size >= max) memo = new Map();
      value = make(key);
      memo.set(key, value);
    }
    return value;
  };
}
