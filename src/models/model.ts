import type { Command, CommandOrigin, RedisArg } from '../core/command.js';
import type { RedisClient } from '../transport/endpoint.js';
import type { Script } from '../core/script.js';
import type { Batch, Batched } from '../batch/batch.js';
import type { WatchSession } from '../batch/watch-session.js';
import type { Connection } from '../connection/connection.js';
import {
  ArgumentError,
  ConfigError,
  EncodeError,
  KeyError,
  RedisextError,
} from '../core/errors.js';
import { Raw } from '../serializers/raw.js';
import type { Serializer } from '../serializers/serializer.js';
import { finish } from '../core/reply.js';
import type { Executor } from '../core/executor.js';
import { connectionOf, routerOf, type ConnectionRef, type ModelStatics } from './config.js';
import { expiry, flag, positive } from '../core/decoders.js';

/**
 * What a model's command helpers (`read`, `write`, `script`...) return: the operation's promise
 * when the handle runs commands at once, its placeholder when it queues them into a batch.
 * Model methods return it as it is. It has no usable `then`/`catch`/`finally`, so that chaining
 * on it, which would break inside a batch, does not compile: an operation that needs the
 * reply first (several round trips) calls `this.direct(...)` and uses `this.now(...)`.
 */
export interface Operation<R> extends Promise<R> {
  then: never;
  catch: never;
  finally: never;
}

/** The handle being copied while withExecutor() constructs its copy. */
let template: Model | undefined;

/** A yes/no reply of `RENAME` on a missing key: "ERR no such key". */
const noSuchKey = (error: Error): false | undefined =>
  /no such key/i.test(error.message) ? false : undefined;

/**
 * Base class of every model: a cheap handle on one Redis key. Creating a handle opens nothing
 * and costs a few dozen bytes; commands go through the model's Connection.
 *
 * Configuration, by static fields or by the {@link model} decorator (both inherited):
 * `KEY` (default key name), `CONNECTION`, `SERIALIZER`, `PREFIX` (joined with `:`), `EXPIRE`
 * (default seconds for {@link Model.expire}).
 *
 * Key operations count in **seconds**, as the Redis commands they mirror; durations in options
 * objects (`{ ttl }`, `{ timeout }`...) are **milliseconds**.
 */
export abstract class Model implements CommandOrigin {
  /** Default key name (makes a singleton model). */
  static KEY?: string;
  /** The Connection class (or a DSN string). */
  static CONNECTION?: ConnectionRef;
  /** How values are stored; none = strings as they are. */
  static SERIALIZER?: Serializer<unknown>;
  /** Namespace joined to the key with `:`. */
  static PREFIX?: string;
  /** Default seconds for `expire()` without an argument. */
  static EXPIRE?: number;

  /** The full Redis key: `PREFIX:name`, or the bare name without a prefix. */
  readonly key!: string;
  /** @internal where commands go; undefined = the Connection's router. */
  protected readonly executor?: Executor;

  /**
   * @param key - the key name; defaults to the class `KEY`.
   * @throws {@link KeyError} when there is neither (before any network call).
   */
  constructor(key?: string) {
    if (template !== undefined) {
      // A copy made by withExecutor(): same key, state copied after construction.
      (this as { key: string }).key = template.key;
      return;
    }
    const cls = this.constructor as ModelStatics;
    const name = key ?? cls.KEY;
    if (typeof name !== 'string' || name === '') {
      throw new KeyError(
        name === undefined || name === ''
          ? 'no key name: pass one to the constructor or set static KEY'
          : `the key name must be a string, got ${typeof name}`,
        { model: cls.name },
      );
    }
    const prefix = cls.PREFIX;
    this.key = prefix ? `${prefix}:${name}` : name;
  }

  /** The model class name (used in error messages). */
  get modelName(): string {
    return this.constructor.name;
  }

  /** The Connection class this model uses. */
  get connection(): typeof Connection {
    return connectionOf(this.constructor as ModelStatics);
  }

  /**
   * A handle on the same key whose reads go to the master: read-your-writes for the calls made
   * through it.
   *
   * @example
   * ```ts
   * await visitors.incr();
   * await visitors.fromMaster().get(); // sees the increment even with replicas
   * ```
   */
  fromMaster(): this {
    const router = routerOf(this.constructor as ModelStatics);
    return this.withExecutor({ run: (command) => router.run(command, true), queues: false });
  }

  /**
   * This model's operations queued into a batch (`Connection.pipeline`/`transaction`, or the
   * write phase of `Connection.watch`): each returns a placeholder for its result. With the
   * read phase of a watch, operations run at once on the watching connection.
   *
   * @throws {@link ConfigError} when the batch belongs to another Connection class.
   */
  in(batch: Batch): Batched<this>;
  in(session: WatchSession): this;
  in(target: Batch | WatchSession): Batched<this> | this {
    const router = routerOf(this.constructor as ModelStatics);
    if (target.router !== router) {
      throw new ConfigError('this model uses another Connection than the batch', {
        model: this.modelName,
        key: this.key,
      });
    }
    return this.withExecutor(target);
  }

  /** A copy of this handle that sends its commands to `executor`. @internal */
  withExecutor(executor: Executor): this {
    // Constructed (not Object.create'd) so that #private members of subclasses exist on the copy.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- read by the constructor
    template = this;
    let copy: this;
    try {
      copy = Reflect.construct(this.constructor, []) as this;
    } finally {
      template = undefined;
    }
    Object.assign(copy, this);
    (copy as unknown as { executor?: Executor }).executor = executor;
    return copy;
  }

  /** Runs one command through this handle's executor. @internal */
  protected run<R>(command: Command<R>): Operation<R> {
    const executor = this.executor;
    if (executor !== undefined) return executor.run(command) as Operation<R>;
    return routerOf(this.constructor as ModelStatics).run(command) as Operation<R>;
  }

  /** A read command on this model's key. */
  protected read<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run({ args, write: false, decode, origin: this });
  }

  /** A read on this model's key that must see the master's latest state (never a replica). */
  protected readPrimary<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run({ args, write: false, primary: true, decode, origin: this });
  }

  /** A write command on this model's key. */
  protected write<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run({ args, write: true, decode, origin: this });
  }

  /**
   * Runs a Lua script (EVALSHA, falling back to EVAL) on `keys` (which must all be passed here,
   * so the script also works on a cluster) with `args`.
   */
  protected script<R>(
    script: Script,
    keys: readonly RedisArg[],
    args: readonly RedisArg[],
    options: { write: boolean; decode?: (reply: unknown) => R },
  ): Operation<R> {
    return this.run({
      args: script.evalsha(keys, args),
      write: options.write,
      decode: options.decode,
      origin: this,
      script,
    });
  }

  /**
   * Runs `fn` on a connection of its own to the master, for blocking commands; see
   * `Endpoint.blocking`. Not available inside a batch. Errors come back typed; a decode
   * failure inside `fn` should use {@link Model.decodeWith}.
   */
  protected blocking<T>(fn: (client: RedisClient) => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.direct('a blocking operation');
    return routerOf(this.constructor as ModelStatics).dedicated(
      this.key,
      (client) => fn(client),
      signal,
      this,
    );
  }

  /**
   * Throws when this handle sends to a batch: for operations made of several round trips or of
   * blocking commands, which a pipeline or transaction cannot hold.
   */
  protected direct(operation: string): void {
    if (this.executor?.queues) {
      throw new ConfigError(`${operation} cannot run inside a pipeline or transaction`, {
        model: this.modelName,
        key: this.key,
      });
    }
  }

  /**
   * The promise of an operation run at once, for the steps of a multi-round-trip operation
   * (which has called {@link Model.direct} first). @throws ConfigError on a batching handle.
   */
  protected now<R>(operation: Operation<R>): Promise<R> {
    this.direct('an operation of several steps');
    return operation as Promise<R>;
  }

  /** Decodes a reply obtained outside `run` (e.g. from a blocking client), errors typed. */
  protected decodeWith<R>(decode: (reply: unknown) => R, reply: unknown): R {
    return finish({ args: [], write: false, decode, origin: this }, reply);
  }

  /** The serializer in force (the class `SERIALIZER`, or strings as they are). */
  protected get serializer(): Serializer<unknown> {
    return (this.constructor as ModelStatics).SERIALIZER ?? Raw;
  }

  /**
   * Encodes a value for storage. `null` and `undefined` are refused: `null` means "absent".
   * @throws {@link EncodeError} naming the model and key.
   */
  protected encode(value: unknown): RedisArg {
    if (value === null || value === undefined) {
      throw new EncodeError(
        `cannot store ${String(value)}: null means "absent" (use remove/delete)`,
        {
          model: this.modelName,
          key: this.key,
        },
      );
    }
    const serializer = this.serializer;
    let raw: RedisArg | undefined;
    try {
      raw = serializer.encode(value);
    } catch (error) {
      if (error instanceof RedisextError) throw error;
      throw new EncodeError(
        `${serializer.name} serializer cannot encode the value: ${error instanceof Error ? error.message : String(error)}`,
        { model: this.modelName, key: this.key },
        { cause: error },
      );
    }
    if (typeof raw !== 'string' && !Buffer.isBuffer(raw)) {
      throw new EncodeError(`${serializer.name} serializer returned ${typeof raw}, not a string`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return raw;
  }

  /** An integer argument (a counter step...) as Redis reads it, checked before sending. */
  protected integerArg(value: number, name: string): string {
    if (!Number.isSafeInteger(value)) {
      throw new ArgumentError(`${name} must be a safe integer, got ${String(value)}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return String(value);
  }

  /** A duration option in **milliseconds** (positive integer), checked before sending. */
  protected msArg(value: number, name: string): string {
    if (!Number.isInteger(value) || value <= 0) {
      throw new ArgumentError(
        `${name} must be a positive integer of milliseconds, got ${String(value)}`,
        {
          model: this.modelName,
          key: this.key,
        },
      );
    }
    return String(value);
  }

  /** Whether the key exists (`EXISTS`). */
  exists(): Promise<boolean> {
    return this.read(['EXISTS', this.key], positive);
  }

  /** Removes the key (`UNLINK`); true if it existed. */
  delete(): Promise<boolean> {
    return this.write(['UNLINK', this.key], positive);
  }

  /**
   * Sets a time to live in **seconds** (`EXPIRE`); without an argument, the class `EXPIRE`.
   * @returns false when the key does not exist.
   * @throws {@link ConfigError} when neither gives a number of seconds.
   */
  expire(seconds?: number): Promise<boolean> {
    const ttl = seconds ?? (this.constructor as ModelStatics).EXPIRE;
    if (ttl === undefined) {
      throw new ConfigError('expire() needs seconds: pass them or set static EXPIRE', {
        model: this.modelName,
        key: this.key,
      });
    }
    if (!Number.isInteger(ttl) || ttl <= 0) {
      throw new ConfigError(`expire() needs a positive integer of seconds, got ${ttl}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return this.write(['EXPIRE', this.key, String(ttl)], flag);
  }

  /**
   * Seconds left to live (`TTL`): `Infinity` when the key never expires, `null` when the key
   * does not exist.
   */
  ttl(): Promise<number | null> {
    return this.read(['TTL', this.key], expiry);
  }

  /** Removes the time to live (`PERSIST`); true if there was one. */
  persist(): Promise<boolean> {
    return this.write(['PERSIST', this.key], flag);
  }

  /**
   * Renames the key (`RENAME`, or `RENAMENX` with `{ overwrite: false }`). The new name gets the
   * same prefix. This handle keeps pointing at the old name.
   * @returns false when the key does not exist (or, with `overwrite: false`, the new one does).
   */
  rename(newKey: string, options: { overwrite?: boolean } = {}): Promise<boolean> {
    const cls = this.constructor as ModelStatics;
    if (typeof newKey !== 'string' || newKey === '') {
      throw new KeyError('rename() needs a new key name', { model: this.modelName, key: this.key });
    }
    const target = cls.PREFIX ? `${cls.PREFIX}:${newKey}` : newKey;
    routerOf(cls).checkSlots([this.key, target], 'rename');
    const command = options.overwrite === false ? 'RENAMENX' : 'RENAME';
    return this.run({
      args: [command, this.key, target],
      write: true,
      decode: flag,
      recover: noSuchKey,
      origin: this,
    });
  }
}
