import { RESP_TYPES } from 'redis';
import type { Command } from '../core/command.js';

/** node-redis options that decode RESP3 maps into JS `Map`s (keys kept whatever their text). */
const MAPS_AS_MAPS = { typeMapping: { [RESP_TYPES.MAP]: Map } } as const;

/**
 * The node-redis options a command is sent with: none (node-redis' defaults, the fast path), or
 * maps decoded as JS `Map`s for a command whose map keys are user data (`Command.maps`).
 *
 * @internal
 */
export function replyOptions(command: Command): typeof MAPS_AS_MAPS | undefined {
  return command.maps ? MAPS_AS_MAPS : undefined;
}

/** The options of a transaction's `EXEC`: maps as `Map`s when a command of it needs them. */
export function execOptions(commands: readonly Command[]): typeof MAPS_AS_MAPS | undefined {
  return commands.some((command) => command.maps) ? MAPS_AS_MAPS : undefined;
}
