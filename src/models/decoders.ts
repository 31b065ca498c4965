import type { Serializer } from '../serializers/serializer.js';

/**
 * Reply decoders shared by the models. They accept both RESP3 and RESP2 reply shapes, so a
 * Connection may use either protocol.
 *
 * @internal
 * @module
 */

const nullables = new WeakMap<Serializer<unknown>, (reply: unknown) => unknown>();
const lists = new WeakMap<Serializer<unknown>, (reply: unknown) => unknown[]>();

/** Decodes one stored value; a nil reply is `null` (absent). */
export function nullable<T>(serializer: Serializer<T>): (reply: unknown) => T | null {
  let decode = nullables.get(serializer as Serializer<unknown>);
  if (decode === undefined) {
    decode = (reply: unknown) =>
      reply === null || reply === undefined ? null : serializer.decode(reply as string);
    nullables.set(serializer as Serializer<unknown>, decode);
  }
  return decode as (reply: unknown) => T | null;
}

/** Decodes an array of stored values. */
export function list<T>(serializer: Serializer<T>): (reply: unknown) => T[] {
  let decode = lists.get(serializer as Serializer<unknown>);
  if (decode === undefined) {
    decode = (reply: unknown) =>
      (reply as Array<string | Buffer>).map((raw) => serializer.decode(raw));
    lists.set(serializer as Serializer<unknown>, decode);
  }
  return decode as (reply: unknown) => T[];
}

/** An integer reply (or a numeric string) as a number. */
export function integer(reply: unknown): number {
  return typeof reply === 'number' ? reply : Number(reply);
}

/** An integer reply that may be nil. */
export function integerOrNull(reply: unknown): number | null {
  return reply === null || reply === undefined ? null : integer(reply);
}

/** A yes/no reply: `1`, `true` or `OK` is yes. */
export function flag(reply: unknown): boolean {
  return reply === 1 || reply === true || reply === 'OK';
}

/** A count reply: yes when above zero. */
export function positive(reply: unknown): boolean {
  return integer(reply) > 0;
}

/** A double reply (RESP3 number, RESP2 string, `inf`/`-inf`) as a number, nil as null. */
export function double(reply: unknown): number | null {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'number') return reply;
  const text = String(reply);
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}
