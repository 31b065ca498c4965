import type { Command, CommandOrigin } from './command.js';
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
  toError(error: unknown, command?: { origin?: CommandOrigin }): Error;
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
    throw decodeFailure(error, command.origin);
  }
}

/** A decoder's failure as a typed DecodeError (a RedisextError passes through). */
export function decodeFailure(error: unknown, origin: CommandOrigin | undefined): Error {
  if (error instanceof RedisextError) return error;
  return new DecodeError(
    `cannot decode the stored value: ${error instanceof Error ? error.message : String(error)}`,
    origin ? { model: origin.modelName, key: origin.key } : {},
    { cause: error },
  );
}
