/**
 * Turns values into what Redis stores and back. A serializer throws any error it likes; the
 * model wraps it into an {@link EncodeError} or {@link DecodeError} that names the model and key.
 *
 * @typeParam T - the application-side value type.
 *
 * @example
 * ```ts
 * const Upper: Serializer<string> = {
 *   name: 'Upper',
 *   encode: (value) => value.toUpperCase(),
 *   decode: (raw) => raw.toString(),
 * };
 * ```
 */
export interface Serializer<T> {
  /** Shown in error messages. */
  readonly name: string;
  /** Value to stored form. Must not return `undefined`. */
  encode(value: T): string | Buffer;
  /** Stored form to value. */
  decode(raw: string | Buffer): T;
}

/** The value type a serializer produces. */
export type ValueOf<S> = S extends Serializer<infer T> ? T : never;

/** Thrown by serializers for values they refuse; the model adds the model and key. */
export class SerializationFailure extends Error {}

/** Reads a stored reply as text. */
export function asText(raw: string | Buffer): string {
  return typeof raw === 'string' ? raw : raw.toString('utf8');
}
