/**
 * Makes a decoded value safe to hand to several callers: plain objects, arrays and class
 * instances are frozen, deeply (`Object.freeze`, once, when the value is stored: a hit then
 * costs nothing). Returns false, freezing nothing, when the value holds something freezing does
 * not protect (a `Date`, `Map`, `Set`, `Buffer` or other typed array, whose contents change
 * through methods): such a value is decoded afresh from the stored reply on each hit instead.
 *
 * Freezing once costs less than copying on each hit: measured in docs/near-cache.md.
 *
 * @internal
 */
export function freezeDeep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return typeof value !== 'function';
  const objects: object[] = [];
  if (!collect(value, objects, new Set())) return false;
  for (const object of objects) Object.freeze(object);
  return true;
}

/**
 * Adds `value`'s objects to `objects`; false if one cannot be frozen. `seen` guards against
 * cycles (a value decoded from a pickle may have some).
 */
function collect(value: unknown, objects: object[], seen: Set<object>): boolean {
  if (typeof value === 'function') return false;
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  objects.push(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!collect(item, objects, seen)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // A plain object (what JSON gives): its own enumerable string keys are its data.
    for (const key of Object.keys(value)) {
      if (!collect((value as Record<string, unknown>)[key], objects, seen)) return false;
    }
    if (Object.getOwnPropertySymbols(value).length === 0) return true;
  }
  if (
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Promise
  ) {
    return false;
  }
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor !== undefined && 'value' in descriptor) {
      if (!collect(descriptor.value, objects, seen)) return false;
    }
  }
  return true;
}
