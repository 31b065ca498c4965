/**
 * What a set member or a dict key may be after decoding: what Python could have hashed (None,
 * bool, int, float, str, bytes, datetime, frozenset, tuples of these). A hostile pickle that
 * puts a dict or one of the decoder's internal values there is refused.
 *
 * @internal
 * @module
 */

/** Nested tuples deeper than this in one key are refused. */
const MAX_KEY_DEPTH = 64;

function leaf(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return true;
    case 'object':
      return (
        value === null || Buffer.isBuffer(value) || value instanceof Date || value instanceof Set
      );
    default:
      return false;
  }
}

/**
 * Whether `value` may be a set member or dict key. A set is taken as a frozenset (its members
 * were checked when it was made); a tuple is checked item by item, once per decode: `approved`
 * keeps the tuples already checked, so a tuple used as a key many times costs one check; `lists`
 * holds the arrays that are Python lists (unhashable).
 */
export function hashable(
  value: unknown,
  approved: WeakSet<object>,
  lists: WeakSet<object>,
): boolean {
  if (leaf(value)) return true;
  if (!Array.isArray(value) || lists.has(value)) return false;
  if (approved.has(value)) return true;
  const seen = new Set<object>([value]);
  let level: object[] = [value];
  for (let depth = 0; level.length > 0; depth += 1) {
    if (depth > MAX_KEY_DEPTH) return false;
    const next: object[] = [];
    for (const container of level) {
      for (const item of container as Iterable<unknown>) {
        if (leaf(item)) continue;
        if (!Array.isArray(item) || lists.has(item)) return false;
        if (!seen.has(item) && !approved.has(item)) {
          seen.add(item);
          next.push(item);
        }
      }
    }
    level = next;
  }
  for (const tuple of seen) approved.add(tuple);
  return true;
}
