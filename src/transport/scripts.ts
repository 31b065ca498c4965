import type { Command, RedisArg } from '../core/command.js';
import type { Script } from '../core/script.js';
import { replyCode } from './error-map.js';
import { report } from './debug.js';

/**
 * The one way a Lua script runs, on every path and topology. A model describes a script call
 * as an `EVALSHA` command that carries its {@link Script}; then:
 *
 * - **alone** (direct, or the read phase of a watch): `EVALSHA`; when the server's script cache
 *   does not hold it (`NOSCRIPT`: a restart, a failover, `SCRIPT FLUSH`), the same call is sent
 *   once more as `EVAL` (which also caches it). Nothing ran the first time, so this is safe.
 * - **in a pipeline**: a `SCRIPT LOAD` of each script goes ahead of its first use on each
 *   server, on the same connection, so the `EVALSHA` that follows always finds it and the
 *   batch runs in the order it was queued, whatever the state of the cache.
 * - **in a transaction**: the same `SCRIPT LOAD`s go just before `MULTI`, on the transaction's
 *   connection; inside `MULTI` only the `EVALSHA`s are sent (never the source).
 *
 * @internal
 * @module
 */

/** True when a script command failed because the server does not know the script (yet). */
export function isNoScript(command: Command, error: unknown): boolean {
  return command.script !== undefined && replyCode(error) === 'NOSCRIPT';
}

/** The EVAL form of a script command (sent once after a NOSCRIPT). */
export function evalOf<R>(command: Command<R>): Command<R> {
  const name = command.script!.name;
  report(
    { event: 'script-reload', detail: name },
    'NOSCRIPT: %s runs as EVAL (the server lost its script cache)',
    name,
  );
  return { ...command, args: command.script!.toEval(command.args), script: undefined };
}

/** A command of a batch as it goes out: the batch's own, or a `SCRIPT LOAD` ahead of one. */
export interface Outgoing {
  readonly args: RedisArg[];
  /** The batch command it is (its index), or -1 for a `SCRIPT LOAD`. */
  readonly index: number;
  /** The command whose route a `SCRIPT LOAD` takes (the script command it precedes). */
  readonly command: Command;
}

/**
 * The commands of a batch with a `SCRIPT LOAD` ahead of the first use of each script on each
 * server. `serverOf` names the server a command goes to (one name for a standalone server).
 * Returns `undefined` when the batch holds no script (the common case: nothing is copied).
 */
export function withScriptLoads(
  commands: readonly Command[],
  serverOf: (command: Command) => string,
): Outgoing[] | undefined {
  if (!commands.some((command) => command.script !== undefined)) return undefined;
  const loaded = new Set<string>();
  const out: Outgoing[] = [];
  commands.forEach((command, index) => {
    const script: Script | undefined = command.script;
    if (script !== undefined) {
      const id = `${serverOf(command)} ${script.sha}`;
      if (!loaded.has(id)) {
        loaded.add(id);
        out.push({ args: script.load(), index: -1, command });
      }
    }
    out.push({ args: command.args, index, command });
  });
  return out;
}

/** The distinct `SCRIPT LOAD` commands a transaction's scripts need (sent before `MULTI`). */
export function scriptLoads(commands: readonly Command[]): RedisArg[][] {
  const seen = new Map<string, RedisArg[]>();
  for (const command of commands) {
    const script = command.script;
    if (script !== undefined && !seen.has(script.sha)) seen.set(script.sha, script.load());
  }
  return [...seen.values()];
}
