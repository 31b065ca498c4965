import { contextOf, type Command } from './command.js';
import type { ErrorContext } from './errors.js';
import { DecodeError, RedisextError } from './errors.js';

/**
 * What becomes of a command's reply or error: decoding (errors typed, naming the model and
 * key) and recovery. Shared by every way a command runs (direct, pipeline, transaction, watch).
 *
 * @internal
 * @module
 */

/** Something that maps driver errors to typed ones (an Endpoint, a cluster). */
export interface ErrorMapper {
  /** `context`: the model and key the error is about (a Command has both fields). */
  toError(error: unknown, context?: ErrorContext): Error;
}

/**
 * The result of a failed command: recovered (e.g. RENAME of a missing key → false), or a
 * typed error thrown.
 */
export function settle<R>(mapper: ErrorMapper, command: Command<R>, error: unknown): R {
  if (command.recover && error instanceof Error) {
    const recovered = command.recover(error);
    if (recovered !== undefined) return recovered;
  }
  throw mapper.toError(error, command);
}

/** Decodes a reply, wrapping decoder failures into a DecodeError that names model and key. */
export function finish<R>(command: Command<R>, reply: unknown): R {
  const decode = command.decode;
  if (decode === undefined) return reply as R;
  try {
    return decode(reply);
  } catch (error) {
    throw decodeFailure(error, command);
  }
}

/** A decoder's failure as a typed DecodeError (a RedisextError passes through). */
export function decodeFailure(
  error: unknown,
  context: { readonly model?: string; readonly key?: string },
): Error {
  if (error instanceof RedisextError) return error;
  return new DecodeError(
    `cannot decode the stored value: ${error instanceof Error ? error.message : String(error)}`,
    contextOf(context),
    { cause: error },
  );
}
