import type { RedisArg } from '../core/command.js';
import {
  EncodeError,
  RedisextError,
  StoredValueFailure,
  type ErrorContext,
} from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';

/**
 * Decoders of stored values: a reply read through a model's serializer. Cached per serializer,
 * so a hot path builds no closure per call.
 *
 * A decoder of a binary serializer's values ({@link Serializer.binary}) is marked
 * ({@link storedReply}): the handle sends its command with `binary` set, so the reply's bulk
 * strings come as Buffers, and the decoder reads every one of them so (values, field names,
 * ids, RESP2 scores).
 *
 * @internal
 * @module
 */

/** The decoders whose replies carry a binary serializer's values. */
const binaryDecoders = new WeakSet<object>();
/** Whether any decoder was marked: until then, {@link readsBinary} costs one test. */
let anyBinary = false;

/**
 * Marks `decode` as the decoder of a reply that carries stored values of `serializer`: when
 * the serializer is binary, the command is sent with `binary` set (its bulk strings come as
 * Buffers, so `decode` must accept Buffers wherever it reads text). Returns `decode`.
 */
export function storedReply<F extends (reply: unknown) => unknown>(
  serializer: Serializer<unknown>,
  decode: F,
): F {
  if (serializer.binary === true) {
    binaryDecoders.add(decode);
    anyBinary = true;
  }
  return decode;
}

/** Whether a command decoded by `decode` must get its bulk strings as Buffers. */
export function readsBinary(decode: ((reply: unknown) => unknown) | undefined): boolean {
  return anyBinary && decode !== undefined && binaryDecoders.has(decode);
}

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
    nullables.set(serializer as Serializer<unknown>, storedReply(serializer, decode));
  }
  return decode as (reply: unknown) => T | null;
}

/** Decodes an array of stored values. */
export function list<T>(serializer: Serializer<T>): (reply: unknown) => T[] {
  let decode = lists.get(serializer as Serializer<unknown>);
  if (decode === undefined) {
    decode = (reply: unknown) =>
      (reply as Array<string | Buffer>).map((raw) => decodeStored(serializer, raw));
    lists.set(serializer as Serializer<unknown>, storedReply(serializer, decode));
  }
  return decode as (reply: unknown) => T[];
}

/**
 * A value encoded for storage by `serializer`. `null` and `undefined` are refused: `null` means
 * "absent". @throws {@link EncodeError} naming `context` (the model and key).
 */
export function encodeValue(
  serializer: Serializer<unknown>,
  value: unknown,
  context: ErrorContext,
): RedisArg {
  if (value === null || value === undefined) {
    throw new EncodeError(
      `cannot store ${String(value)}: null means "absent" (use remove/delete)`,
      context,
    );
  }
  let raw: RedisArg | undefined;
  try {
    raw = serializer.encode(value);
  } catch (error) {
    if (error instanceof RedisextError) throw error;
    throw new EncodeError(
      `${serializer.name} serializer cannot encode the value: ${error instanceof Error ? error.message : String(error)}`,
      context,
      { cause: error },
    );
  }
  if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) {
    throw new EncodeError(
      `${serializer.name} serializer returned ${typeof raw}, not a string`,
      context,
    );
  }
  return raw;
}
