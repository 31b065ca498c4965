import { StoredValueFailure } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';

/**
 * Decoders of stored values: a reply read through a model's serializer. Cached per serializer,
 * so a hot path builds no closure per call.
 *
 * @internal
 * @module
 */

/**
 * One stored value through `serializer`: a failure carries the value (`DecodeError.raw`), so a
 * value a pop took off is not lost with the error.
 */
export function decodeStored<T>(serializer: Serializer<T>, raw: string | Buffer): T {
  try {
    return serializer.decode(raw);
  } catch (error) {
    throw new StoredValueFailure(raw, error);
  }
}

const nullables = new WeakMap<Serializer<unknown>, (reply: unknown) => unknown>();
const lists = new WeakMap<Serializer<unknown>, (reply: unknown) => unknown[]>();

/** Decodes one stored value; a nil reply is `null` (absent). */
export function nullable<T>(serializer: Serializer<T>): (reply: unknown) => T | null {
  let decode = nullables.get(serializer as Serializer<unknown>);
  if (decode === undefined) {
    decode = (reply: unknown) =>
      reply === null || reply === undefined ? null : decodeStored(serializer, reply as string);
    nullables.set(serializer as Serializer<unknown>, decode);
  }
  return decode as (reply: unknown) => T | null;
}

/** Decodes an array of stored values. */
export function list<T>(serializer: Serializer<T>): (reply: unknown) => T[] {
  let decode = lists.get(serializer as Serializer<unknown>);
  if (decode === undefined) {
    decode = (reply: unknown) =>
      (reply as Array<string | Buffer>).map((raw) => decodeStored(serializer, raw));
    lists.set(serializer as Serializer<unknown>, decode);
  }
  return decode as (reply: unknown) => T[];
}
