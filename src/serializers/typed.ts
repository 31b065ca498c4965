import { plainToInstance } from 'class-transformer';
import { asText, SerializationFailure, type Serializer } from './serializer.js';
import { adoptFields, classCall, storedFields, type DualClassDecorator } from './decorators.js';

export { field, type DualClassDecorator, type DualFieldDecorator } from './decorators.js';

/** A class whose instances the Typed serializer may store and revive. */
export type TypedClass<T extends object = object> = new () => T;

interface Registration {
  readonly tag: string;
  readonly cls: TypedClass;
}

/** Keys never read from stored data: they could reach an object's prototype. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
/** The property that marks a tagged value in the stored JSON. */
const TAG = '$t';
const BUILTIN_TAGS = new Set(['Date', 'Map', 'Set', 'BigInt', 'Number', 'Object', 'undefined']);

const byClass = new WeakMap<object, Registration>();
const byTag = new globalThis.Map<string, Registration>();

/**
 * Registers a class with the Typed serializer under a stable tag (default: the class name).
 * The tag is what is stored, so keep it when renaming the class. The class must be
 * constructible without arguments. Works with `experimentalDecorators` and with standard
 * decorators.
 *
 * @example
 * ```ts
 * @serializable('User')
 * class User { @field() name = ''; }
 * ```
 * @throws TypeError when used without parentheses (`@serializable`), on something other than
 * a class, or with a tag that is taken.
 */
export function serializable(tag?: string): DualClassDecorator {
  if (tag !== undefined && typeof tag !== 'string') {
    throw new TypeError(
      "@serializable is a decorator factory: write @serializable() or @serializable('Tag')",
    );
  }
  return (target, context) => {
    const standard = classCall('@serializable()', target, context);
    register(target as unknown as TypedClass, tag ?? target.name, standard?.metadata);
  };
}

/** Registers a class with the Typed serializer; see {@link serializable}. */
export function registerClass<T extends object>(cls: TypedClass<T>, tag: string = cls.name): void {
  register(cls, tag);
}

function register(cls: TypedClass, tag: string, metadata?: object): void {
  if (!tag || BUILTIN_TAGS.has(tag)) throw new TypeError(`"${tag}" cannot be used as a type tag`);
  const existing = byTag.get(tag);
  if (existing && existing.cls !== cls) {
    throw new TypeError(`type tag "${tag}" is already registered for another class`);
  }
  const registration = { tag, cls };
  adoptFields(cls, metadata);
  byTag.set(tag, registration);
  byClass.set(cls, registration);
}

function tagged(tag: string, value: unknown): Record<string, unknown> {
  return { [TAG]: tag, v: value };
}

function pack(value: unknown, seen: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
        ? value
        : tagged('Number', String(value));
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
    if (Array.isArray(value)) return value.map((item) => pack(item, seen));
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
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = pack(v, seen);
      return TAG in out ? tagged('Object', out) : out;
    }
    const registration = byClass.get(value.constructor);
    if (!registration) {
      throw new SerializationFailure(
        `class ${value.constructor.name} is not registered with the Typed serializer (use @serializable())`,
      );
    }
    const fields: Record<string, unknown> = {};
    const source = value as Record<string, unknown>;
    for (const name of storedFields(registration.cls)) {
      if (source[name] !== undefined) fields[name] = pack(source[name], seen);
    }
    return tagged(registration.tag, fields);
  } finally {
    seen.delete(value);
  }
}

function plainEntries(value: object): Array<[string, unknown]> {
  return Object.entries(value).filter(([k]) => !FORBIDDEN.has(k));
}

function unpack(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(unpack);
  const record = value as Record<string, unknown>;
  const tag = record[TAG];
  if (tag === undefined) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of plainEntries(record)) out[k] = unpack(v);
    return out;
  }
  const body = record.v;
  switch (tag) {
    case 'Date': {
      const date = new Date(String(body));
      if (Number.isNaN(date.getTime())) throw new SerializationFailure('stored Date is invalid');
      return date;
    }
    case 'BigInt':
      if (typeof body !== 'string' || !/^-?\d+$/.test(body))
        throw new SerializationFailure('stored BigInt is invalid');
      return BigInt(body);
    case 'Number':
      return Number(body);
    case 'undefined':
      return undefined;
    case 'Map':
      if (!Array.isArray(body)) throw new SerializationFailure('stored Map is invalid');
      return new globalThis.Map(
        body.map((pair: unknown) => {
          if (!Array.isArray(pair) || pair.length !== 2)
            throw new SerializationFailure('stored Map entry is invalid');
          return [unpack(pair[0]), unpack(pair[1])] as const;
        }),
      );
    case 'Set':
      if (!Array.isArray(body)) throw new SerializationFailure('stored Set is invalid');
      return new Set(body.map(unpack));
    case 'Object': {
      if (body === null || typeof body !== 'object')
        throw new SerializationFailure('stored Object is invalid');
      const out: Record<string, unknown> = {};
      for (const [k, v] of plainEntries(body)) out[k] = unpack(v);
      return out;
    }
  }
  const registration = typeof tag === 'string' ? byTag.get(tag) : undefined;
  if (!registration) {
    throw new SerializationFailure(
      `stored type tag ${JSON.stringify(tag)} is not a registered class`,
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SerializationFailure(`stored ${registration.tag} is invalid`);
  }
  const plain: Record<string, unknown> = {};
  for (const [k, v] of plainEntries(body)) plain[k] = unpack(v);
  return plainToInstance(registration.cls, plain, {
    excludeExtraneousValues: true,
    exposeDefaultValues: true,
  });
}

/**
 * The safe equivalent of Python's pickle. Stores JSON in which class instances, `Date`, `Map`,
 * `Set`, `BigInt`, `NaN`/`Infinity`/`-0` and `undefined` array items carry a `$t` type tag, so
 * they come back as they were, at any depth. Plain JSON values are stored exactly as the JSON
 * serializer stores them.
 *
 * Only classes registered with {@link serializable} (or {@link registerClass}) are revived, only
 * their {@link field} properties are read (class-transformer with `excludeExtraneousValues`),
 * `__proto__`, `constructor` and `prototype` keys are ignored, and no code is ever evaluated.
 */
export const Typed: Serializer<unknown> & {
  /** Registers a class; see {@link registerClass}. */
  register<T extends object>(cls: TypedClass<T>, tag?: string): void;
} = {
  name: 'Typed',
  register: registerClass,
  encode(value: unknown): string {
    return JSON.stringify(pack(value, new Set()));
  },
  decode(raw: string | Buffer): unknown {
    const value = unpack(JSON.parse(asText(raw)));
    // Only array items are stored as undefined: a whole value never is (encode refuses it).
    if (value === undefined) throw new SerializationFailure('stored value is a bare undefined');
    return value;
  },
};
