import { RESP_TYPES } from 'redis';
import type { Command } from '../core/command.js';

/** node-redis options of a reply: how some RESP types decode (the rest keep the defaults). */
export interface ReplyOptions {
  readonly typeMapping: Readonly<Record<number, unknown>>;
}

/** node-redis options that decode RESP3 maps into JS `Map`s (keys kept whatever their text). */
const MAPS_AS_MAPS: ReplyOptions = { typeMapping: { [RESP_TYPES.MAP]: Map } };

/** Bulk strings as Buffers (the bytes as stored), for a binary serializer's values. */
const BINARY: ReplyOptions = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } };

/** Both: a hash of binary values (`HGETALL` with a binary serializer). */
const BINARY_MAPS: ReplyOptions = {
  typeMapping: { [RESP_TYPES.MAP]: Map, [RESP_TYPES.BLOB_STRING]: Buffer },
};

/**
 * The node-redis options of a command sent outside the endpoints (a blocking pop on a
 * dedicated connection): bulk strings as Buffers when `binary`, else none.
 *
 * @internal
 */
export function bulkOptions(binary: boolean | undefined): ReplyOptions | undefined {
  return binary === true ? BINARY : undefined;
}

/**
 * The node-redis options a command is sent with: none (node-redis' defaults, the fast path),
 * maps decoded as JS `Map`s for a command whose map keys are user data (`Command.maps`), bulk
 * strings as Buffers for a command whose reply carries binary values (`Command.binary`).
 *
 * @internal
 */
export function replyOptions(command: Command): ReplyOptions | undefined {
  if (command.binary === true) return command.maps === true ? BINARY_MAPS : BINARY;
  return command.maps === true ? MAPS_AS_MAPS : undefined;
}

/**
 * The options of a transaction's `EXEC`, which apply to the replies of all its commands: maps
 * as `Map`s when a command of it needs them, bulk strings as Buffers when one is binary (then
 * the replies of the others are turned back into text: {@link textReply}).
 *
 * @internal
 */
export function execOptions(commands: readonly Command[]): ReplyOptions | undefined {
  let maps = false;
  let binary = false;
  for (const command of commands) {
    if (command.maps === true) maps = true;
    if (command.binary === true) binary = true;
  }
  if (binary) return maps ? BINARY_MAPS : BINARY;
  return maps ? MAPS_AS_MAPS : undefined;
}

/**
 * A reply received with bulk strings as Buffers, as node-redis' defaults would have given it:
 * every Buffer read as UTF-8, in arrays, `Map`s, `Set`s and objects at any depth. For the
 * commands of a batch that are not binary when another is.
 *
 * @internal
 */
export function textReply(reply: unknown): unknown {
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (reply === null || typeof reply !== 'object' || reply instanceof Error) return reply;
  if (Array.isArray(reply)) return reply.map(textReply);
  if (reply instanceof Map) {
    const map = new Map<unknown, unknown>();
    for (const [key, value] of reply) map.set(textReply(key), textReply(value));
    return map;
  }
  if (reply instanceof Set) return new Set([...reply].map(textReply));
  const object: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(reply)) object[key] = textReply(value);
  return object;
}
