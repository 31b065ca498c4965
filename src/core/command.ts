import type { Script } from './script.js';

/** One argument of a Redis command. */
export type RedisArg = string | Buffer;

/** What an error needs to name: the model class and the Redis key (a model handle is one). */
export interface CommandOrigin {
  /** The full Redis key the command is about. */
  readonly key: string;
  /** The model class name. */
  readonly modelName: string;
}

/**
 * One Redis command as a model describes it: the arguments, whether it writes, and how its reply
 * becomes the method's result. The same description runs directly, in a pipeline or in a
 * transaction, so each model operation is written once.
 *
 * @internal
 */
export interface Command<R = unknown> {
  /** The whole command, name first. For a script: the EVALSHA form. */
  readonly args: RedisArg[];
  /** True when the command changes data (goes to the master). */
  readonly write: boolean;
  /** A read that must see the master's latest state (e.g. a lock's owner): never a replica. */
  readonly primary?: boolean | undefined;
  /** Turns the raw reply into the result; errors it throws are wrapped with the origin. */
  readonly decode?: ((reply: unknown) => R) | undefined;
  /** Turns some error replies into a result (e.g. RENAME's "no such key" into `false`). */
  readonly recover?: ((error: Error) => R | undefined) | undefined;
  /**
   * The model class name, for error messages. The command names its model and key by these two
   * strings, not by the model handle: a batch of 10,000 commands would otherwise keep 10,000
   * handles alive until its replies came (measured: 4% of a pipeline's throughput).
   */
  readonly model?: string | undefined;
  /** The full Redis key the command is about (errors, cluster routing). */
  readonly key?: string | undefined;
  /**
   * The reply holds a map whose keys are user data (a hash's field names): it must come back as
   * a JS `Map` (or RESP2 pairs), never as a plain object, where a field named `__proto__` is
   * lost. Other commands keep node-redis' default (objects).
   */
  readonly maps?: boolean | undefined;
  /**
   * The reply carries stored values of a binary serializer (`Serializer.binary`): its bulk
   * strings come back as Buffers, so no byte is lost to UTF-8 decoding. Its decoder must read
   * every bulk string of the reply as a Buffer (field names, ids, RESP2 scores included).
   */
  readonly binary?: boolean | undefined;
  /** Set when `args` is an EVALSHA: used to fall back to EVAL. */
  readonly script?: Script | undefined;
}

/**
 * A {@link Command} made by a constructor rather than an object literal, for the commands made
 * per call on hot paths (a model's reads, writes and script calls, a grouped script call).
 * An object or array literal that lives while its command is in flight may be **pretenured** by
 * V8 (allocation-site pretenuring): when the first young collection after that code warms up
 * finds nearly all the literal's objects alive, every later one is allocated in the old
 * generation, and keeps what it points to (arguments, decoders and the closures behind them)
 * alive through each young collection until the next full one. A process that fell into this
 * spent twice the CPU per Semaphore acquire+release (measured: 7-8 µs -> 13-19 µs per pair,
 * half of the processes). V8 keeps allocation sites for literals (and `new Array`), not for
 * `new` of a class: measured, no process fell into it once these were classes.
 *
 * @internal
 */
export class Call<R = unknown> implements Command<R> {
  constructor(
    readonly args: RedisArg[],
    readonly write: boolean,
    readonly decode: ((reply: unknown) => R) | undefined,
    readonly model: string | undefined,
    readonly key: string | undefined,
    readonly script?: Script,
    readonly primary?: boolean,
    readonly recover?: (error: Error) => R | undefined,
  ) {}
}

/**
 * The key a command is about (cluster routing, slot checks): its model's key, else its first
 * argument after the command name (raw commands), if any.
 *
 * @internal
 */
export function keyOf(command: Command): string | undefined {
  if (command.key !== undefined) return command.key;
  const key = command.args[1];
  return key === undefined ? undefined : key.toString();
}

/** The error context of a command: its model and key, when it has them. @internal */
export function contextOf(command: { readonly model?: string; readonly key?: string }): {
  model?: string;
  key?: string;
} {
  return command.model === undefined ? {} : { model: command.model, key: command.key };
}
