/**
 * Reply decoders shared by the models and the transport. They accept both RESP3 and RESP2 reply shapes, so a
 * Connection may use either protocol.
 *
 * @internal
 * @module
 */

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

/** A `TTL`/`PTTL` reply: the time left, `Infinity` for no expiry, `null` for a missing key. */
export function expiry(reply: unknown): number | null {
  const left = integer(reply);
  return left === -2 ? null : left === -1 ? Infinity : left;
}

/** A bulk reply as text (UTF-8 for a Buffer); nil stays null. */
export function text(reply: unknown): string | null {
  if (reply === null || reply === undefined) return null;
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}
