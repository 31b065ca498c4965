import { SerializationFailure } from './serializer.js';
import { revive } from './typed-plan.js';
import { FORBIDDEN, planOf, registrationFor, TAG } from './typed-registry.js';

/** A copy of a stored object without its forbidden keys, its values revived. */
function copyRecord(record: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!FORBIDDEN.has(k)) out[k] = unpack(v);
  return out;
}

/**
 * Revives the values of a stored (freshly parsed) object in place, or returns a copy without
 * its forbidden keys when it has one: the same result as {@link copyRecord}, without the copy.
 */
function unpackRecord(record: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(record)) return copyRecord(record);
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) if (FORBIDDEN.has(keys[i])) return copyRecord(record);
  for (let i = 0; i < keys.length; i++) {
    const value = record[keys[i]];
    if (value !== null && typeof value === 'object') record[keys[i]] = unpack(value);
  }
  return record;
}

/**
 * Revives a freshly parsed stored value, in place where nothing changes type.
 * @throws SerializationFailure on a stored value that is invalid or names an unknown class.
 * @internal
 */
export function unpack(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item !== null && typeof item === 'object') value[i] = unpack(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  const tag = record[TAG];
  if (tag === undefined) return unpackRecord(record);
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
    case 'Object':
      if (body === null || typeof body !== 'object')
        throw new SerializationFailure('stored Object is invalid');
      return unpackRecord(body as Record<string, unknown>);
  }
  const registration = typeof tag === 'string' ? registrationFor(tag) : undefined;
  if (!registration) {
    throw new SerializationFailure(
      `stored type tag ${JSON.stringify(tag)} is not a registered class`,
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SerializationFailure(`stored ${registration.tag} is invalid`);
  }
  const plain = unpackRecord(body as Record<string, unknown>);
  return revive(registration.cls, planOf(registration), plain);
}
