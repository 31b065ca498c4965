import { SerializationFailure } from '../serializer.js';

/**
 * Dicts while decoding, and the last step of decoding: each {@link Dict} is replaced by what it
 * holds, with shared references and cycles kept (each container is converted once). Refuses a
 * structure nested deeper than {@link MAX_DEPTH} and any internal value (a global, timedelta or
 * timezone) that a hostile pickle left in the data.
 *
 * @internal
 * @module
 */

/** The deepest nesting of lists, tuples and dicts a decoded value may have. */
export const MAX_DEPTH = 1000;

/** Sets `key` on a plain object; `__proto__` becomes an own property, never the prototype. */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/**
 * A dict being decoded: a plain object while every key is a string, a `Map` from the first key
 * that is not. Everything refers to the Dict itself, so the switch changes no reference.
 */
export class Dict {
  object: Record<string, unknown> | null = {};
  map: Map<unknown, unknown> | null = null;
  /** Whether a value is an object (the last step must look inside). */
  nested = false;

  set(key: unknown, value: unknown): void {
    if (typeof value === 'object' && value !== null) this.nested = true;
    if (this.object !== null) {
      if (typeof key === 'string') return setKey(this.object, key, value);
      this.map = new Map<unknown, unknown>(Object.entries(this.object));
      this.object = null;
    }
    this.map!.set(key, value);
  }
}

class Finisher {
  private readonly done = new Map<object, unknown>();

  convert(value: unknown, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (Buffer.isBuffer(value) || value instanceof Date || value instanceof Set) return value;
    const known = this.done.get(value);
    if (known !== undefined) return known;
    if (depth > MAX_DEPTH) {
      throw new SerializationFailure(`Pickle: the value is nested deeper than ${MAX_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
      this.done.set(value, value);
      for (let i = 0; i < value.length; i += 1) {
        const item = value[i];
        if (typeof item === 'object' && item !== null) value[i] = this.convert(item, depth + 1);
      }
      return value;
    }
    if (value instanceof Dict) return this.dict(value, depth);
    throw new SerializationFailure(
      `Pickle: a ${value.constructor?.name ?? 'value'} cannot stand as data here`,
    );
  }

  private dict(dict: Dict, depth: number): unknown {
    const { object, map } = dict;
    this.done.set(dict, object ?? map);
    if (!dict.nested) return object ?? map;
    if (object !== null) {
      for (const key of Object.keys(object)) {
        const item = object[key];
        if (typeof item === 'object' && item !== null) object[key] = this.convert(item, depth + 1);
      }
      return object;
    }
    for (const [key, item] of map!) map!.set(key, this.convert(item, depth + 1));
    return map;
  }
}

/** The decoded value as users get it (see the module comment). */
export function finish(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? new Finisher().convert(value, 0) : value;
}
