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
  /**
   * True when the stored form is bytes, not UTF-8 text (a binary pickle): the replies that
   * carry stored values then reach {@link Serializer.decode} as Buffers, never decoded as text.
   * Unset: they come as strings (node-redis' default, the fast path).
   */
  readonly binary?: boolean;
}

/** The value type a serializer produces. */
export type ValueOf<S> = S extends Serializer<infer T> ? T : never;

/** Thrown by serializers for values they refuse; the model adds the model and key. */
export class SerializationFailure extends Error {}

/** Reads a stored reply as text. */
export function asText(raw: string | Buffer): string {
  return typeof raw === 'string' ? raw : raw.toString('utf8');
}

/** A lone UTF-16 surrogate: a code unit that UTF-8 cannot carry. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether `text` survives UTF-8 as it is: no lone surrogate (`'\uD800'`, half of an emoji cut
 * in two). Redis stores UTF-8, and Node writes each lone surrogate as U+FFFD: such a text comes
 * back changed, and two different ones may become the same key, field or member.
 */
export function isWellFormed(text: string): boolean {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native === undefined ? !LONE_SURROGATE.test(text) : native.call(text);
}

/** The refusal of a text with a lone surrogate, saying what it would become. */
export const ILL_FORMED =
  'the text has a lone UTF-16 surrogate (half of a character), which UTF-8 cannot store: it ' +
  'would come back as U+FFFD';
