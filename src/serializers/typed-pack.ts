import { SerializationFailure } from './serializer.js';
import { planOf, registrationOf, TAG, tagged } from './typed-registry.js';

/*
 * Packing copies only what changes: an array or plain object whose items all pack to
 * themselves is returned as it is, and JSON.stringify writes it exactly as it would write the
 * copy. One with a `toJSON` (which the copy would not have) is always copied.
 */

/** Packs an array: the array itself when no item changes. */
function packArray(value: unknown[], seen: Set<object>): unknown[] {
  let out: unknown[] | undefined = 'toJSON' in value ? [] : undefined;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    // An undefined item or a hole: the generic copy (map keeps holes, tags undefined items).
    if (item === undefined) return value.map((each) => pack(each, seen));
    const packed = pack(item, seen);
    if (out === undefined) {
      if (packed === item) continue;
      out = value.slice(0, i);
    }
    out[i] = packed;
  }
  return out ?? value;
}

/** Packs a plain object (undefined values dropped): the object itself when nothing changes. */
function packRecord(value: object, seen: Set<object>): unknown {
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  let out: Record<string, unknown> | undefined = 'toJSON' in source ? {} : undefined;
  let hasTag = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = source[key];
    if (v === undefined) continue;
    if (key === TAG) hasTag = true;
    const packed = pack(v, seen);
    if (out === undefined) {
      if (packed === v) continue;
      out = {};
      // The keys before this one packed to themselves: copy them as they are.
      for (let j = 0; j < i; j++) if (source[keys[j]] !== undefined) out[keys[j]] = source[keys[j]];
    }
    out[key] = packed;
  }
  const result = out ?? source;
  // As `TAG in copy` was: an own $t kept, or one inherited by a plain object.
  return hasTag || TAG in Object.prototype ? tagged('Object', result) : result;
}

/**
 * The stored form of `value` (a JSON value, which `JSON.stringify` writes), or itself where
 * nothing in it changes. `seen` holds the objects being packed, to refuse a cycle.
 * @throws SerializationFailure on a value the Typed serializer cannot store.
 * @internal
 */
export function pack(value: unknown, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
        ? value
        : tagged('Number', Object.is(value, -0) ? '-0' : String(value));
    case 'bigint':
      return tagged('BigInt', value.toString());
    case 'undefined':
      return tagged('undefined', null);
    case 'object':
      break;
    default:
      throw new SerializationFailure(`Typed serializer cannot store a ${typeof value}`);
  }
  if (value === null) return null;
  if (seen.has(value))
    throw new SerializationFailure('Typed serializer cannot store a circular structure');
  seen.add(value);
  try {
    if (Array.isArray(value)) return packArray(value, seen);
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime()))
        throw new SerializationFailure('cannot store an invalid Date');
      return tagged('Date', value.toISOString());
    }
    if (value instanceof globalThis.Map) {
      return tagged(
        'Map',
        [...value].map(([k, v]) => [pack(k, seen), pack(v, seen)]),
      );
    }
    if (value instanceof Set)
      return tagged(
        'Set',
        [...value].map((item) => pack(item, seen)),
      );
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype || proto === null) return packRecord(value, seen);
    const registration = registrationOf(value.constructor);
    if (!registration) {
      throw new SerializationFailure(
        `class ${value.constructor.name} is not registered with the Typed serializer (use @serializable())`,
      );
    }
    const fields: Record<string, unknown> = {};
    const source = value as Record<string, unknown>;
    for (const name of planOf(registration).stored) {
      if (source[name] !== undefined) fields[name] = pack(source[name], seen);
    }
    return tagged(registration.tag, fields);
  } finally {
    seen.delete(value);
  }
}
