import { Call, type Command, type CommandOrigin, type RedisArg } from '../core/command.js';
import type { BlockingEndpoint, RedisClient } from '../transport/endpoint.js';
import type { Script } from '../core/script.js';
import type { Batch, Batched } from '../batch/batch.js';
import type { WatchSession } from '../batch/watch-session.js';
import type { Connection } from '../connection/connection.js';
import { ConfigError, type ErrorContext } from '../core/errors.js';
import { Raw } from '../serializers/raw.js';
import type { Serializer } from '../serializers/serializer.js';
import { finish } from '../core/reply.js';
import type { Executor } from '../core/executor.js';
import { operations, traceOperation } from '../core/tracing.js';
import { connectionOf, routerOf, type ConnectionRef, type ModelStatics } from './config.js';
import { integerArg, msArg } from './args.js';
import { Lent, type Identify, type Operation, type Tools } from './tools.js';
import { runDurable, waitOptionsOf, type WaitOptions } from './durable.js';
import { encodeValue, readsBinary } from './values.js';
import { clearNearCache, invalidating, nearCacheStats, nearRead } from './near-cache/near-reads.js';
import type { NearCacheOptions, NearCacheStats } from './near-cache/options.js';

export type { Identify, Operation, Tools } from './tools.js';

/** The handle a copy is being made of, while the copy is constructed (no object per copy). */
let copyOf: Handle | undefined;

/**
 * What every model handle has, whatever it names in Redis (one key: `Model`; a namespace
 * of keys: `Namespace`): its identity (`key`, `modelName`), where its commands go (the
 * Connection's router, the master only, or a batch) and the command helpers its operations are
 * written with. Creating a handle opens nothing and costs a few dozen bytes.
 *
 * Copies (`in(batch)`, `fromMaster()`, a namespace's members) are **constructed** with the
 * handle's class (its constructors run without arguments; no key is asked for), then given the
 * handle's own fields: the `#private` members of subclasses exist on them, so subclass methods
 * work the same on a copy. A `#private` field holds what the constructor put there, not the
 * original's value: state a copy must share goes in an ordinary field (an object, to share
 * updates too).
 */
export abstract class Handle implements CommandOrigin {
  /** The Connection class (or a DSN string). */
  static CONNECTION?: ConnectionRef;
  /**
   * Each direct write of this class waits until this many replicas have it (Redis `WAIT`),
   * else rejects with a {@link ReplicationError}. Default: none. Batches do not wait.
   */
  static WAIT?: WaitOptions;
  /** How values are stored; none = strings as they are. */
  static SERIALIZER?: Serializer<unknown>;
  /** Reads kept in memory until Redis says the key changed (see docs/near-cache.md). */
  static NEAR_CACHE?: NearCacheOptions;

  /** This class's near-cache counters in this process (zeros before its first cached read). */
  static nearCacheStats(): NearCacheStats {
    return nearCacheStats(this as unknown as ModelStatics);
  }

  /** Empties this class's near cache in this process (the counters are kept). */
  static clearNearCache(): void {
    clearNearCache(this as unknown as ModelStatics);
  }

  /**
   * The Redis key this handle names: a model's full key (`PREFIX:name`), or a namespace (the
   * start of its members' keys; `''` for none).
   */
  readonly key!: string;
  /** @internal where commands go; undefined = the Connection's router. */
  protected readonly executor?: Executor;

  /**
   * @param identify - makes the key of a new handle from its class's static configuration and
   * `name`; it throws the configuration's errors (a {@link KeyError}...). Not called for a copy.
   * @param name - the constructor's argument.
   */
  protected constructor(identify: Identify, name: string | undefined) {
    const source = copyOf;
    if (source !== undefined && new.target === source.constructor) {
      // A copy: the subclass constructors run (creating their #private members) without
      // checking arguments they did not get; the fields are copied after construction.
      copyOf = undefined;
      return;
    }
    (this as { key: string }).key = identify(this.constructor as ModelStatics, name);
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
      throw new ConfigError('this model uses another Connection than the batch', this.errorContext);
    }
    return this.withExecutor(target);
  }

  /** A copy of this handle that sends its commands to `executor`. @internal */
  withExecutor(executor: Executor): this {
    return this.#copy(this.key, executor);
  }

  /**
   * A copy of this handle naming another key (a member of a namespace...): its commands, and
   * the errors they raise, are about `key`. It sends them where this handle does.
   */
  protected withKey(key: string): this {
    return this.#copy(key, this.executor);
  }

  /** The model and key errors name; no key for a handle without one (an empty namespace). */
  protected get errorContext(): ErrorContext {
    return this.key === '' ? { model: this.modelName } : { model: this.modelName, key: this.key };
  }

  /** Runs one command through this handle's executor (`binary`: see values.ts). @internal */
  protected run<R>(command: Command<R>): Operation<R> {
    if (command.binary === undefined && readsBinary(command.decode)) {
      command = { ...command, binary: true };
    }
    if (command.write) command = invalidating(this.constructor as ModelStatics, command);
    const executor = this.executor;
    if (operations.hasSubscribers && !executor?.queues) {
      return traceOperation(command, executor?.kind ?? 'direct', () =>
        this.#runNow(command, executor),
      ) as Operation<R>;
    }
    return this.#runNow(command, executor);
  }

  /** Runs (or queues) one command, untraced. */
  #runNow<R>(command: Command<R>, executor: Executor | undefined): Operation<R> {
    if (executor !== undefined) return executor.run(command) as Operation<R>;
    const statics = this.constructor as ModelStatics;
    if (command.write && statics.WAIT !== undefined) {
      const wait = waitOptionsOf(statics.WAIT, this.modelName);
      return runDurable(routerOf(statics), command, wait) as Operation<R>;
    }
    return routerOf(statics).run(command) as Operation<R>;
  }

  /** A read command on this handle's key. */
  protected read<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run(new Call(args, false, decode, this.modelName, this.key));
  }

  /**
   * A read on this handle's key that the class's near cache may serve (`NEAR_CACHE`; direct
   * calls only): `sub` names what it reads of the key (`''` for the whole value), so that two
   * reads of one key are told apart.
   */
  protected cachedRead<R>(
    sub: string,
    args: RedisArg[],
    decode?: (reply: unknown) => R,
  ): Operation<R> {
    return this.cachedRun(sub, () => ({
      args,
      write: false,
      decode,
      model: this.modelName,
      key: this.key,
    }));
  }

  /**
   * {@link Handle.cachedRead} of a read described in full (`maps`...), made only when sent.
   * @internal
   */
  protected cachedRun<R>(sub: string, make: () => Command<R>): Operation<R> {
    const statics = this.constructor as ModelStatics;
    if (statics.NEAR_CACHE === undefined || this.executor !== undefined) return this.run(make());
    return nearRead(statics, this.key, sub, make) as Operation<R>;
  }

  /** A read on this handle's key that must see the master's latest state (never a replica). */
  protected readPrimary<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run(new Call(args, false, decode, this.modelName, this.key, undefined, true));
  }

  /** A write command on this handle's key. */
  protected write<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R> {
    return this.run(new Call(args, true, decode, this.modelName, this.key));
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
    const { write, decode } = options;
    return this.run(
      new Call(script.evalsha(keys, args), write, decode, this.modelName, this.key, script),
    );
  }

  /**
   * Runs `fn` on a connection of its own to the master (of this handle's key), for blocking
   * commands; see `Endpoint.blocking` (and `Endpoint.bounded`, which bounds a blocking reply's
   * wait). Not available inside a batch. Errors come back typed; a
   * decode failure inside `fn` should use `decodeWith`.
   */
  protected blocking<T>(
    fn: (client: RedisClient, endpoint: BlockingEndpoint) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    this.direct('a blocking operation');
    return routerOf(this.constructor as ModelStatics).dedicated(
      this.key,
      fn,
      signal,
      this.errorContext,
    );
  }

  /**
   * Throws when this handle sends to a batch: for operations made of several round trips or of
   * blocking commands, which a pipeline or transaction cannot hold.
   */
  protected direct(operation: string): void {
    if (this.executor?.queues) {
      throw new ConfigError(
        `${operation} cannot run inside a pipeline or transaction`,
        this.errorContext,
      );
    }
  }

  /**
   * The promise of an operation run at once, for the steps of a multi-round-trip operation
   * (which has called {@link Handle.direct} first). @throws ConfigError on a batching handle.
   */
  protected now<R>(operation: Operation<R>): Promise<R> {
    this.direct('an operation of several steps');
    return operation as Promise<R>;
  }

  /** The helpers most protocols need ({@link Lent}), bound to this handle. @internal */
  protected lent(): Lent {
    return new Lent(
      this.key,
      (script, keys, args, options) => this.script(script, keys, args, options),
      (fn, signal) => this.blocking(fn, signal),
      (operation) => this.now(operation),
    );
  }

  /** This handle's protected helpers, bound, for the step files of its protocol. */
  protected tools(): Tools {
    return {
      key: this.key,
      modelName: this.modelName,
      read: (args, decode) => this.read(args, decode),
      write: (args, decode) => this.write(args, decode),
      script: (script, keys, args, options) => this.script(script, keys, args, options),
      blocking: (fn, signal) => this.blocking(fn, signal),
      now: (operation) => this.now(operation),
      direct: (operation) => this.direct(operation),
      decodeWith: (decode, reply) => this.decodeWith(decode, reply),
      encode: (value) => this.encode(value),
    };
  }

  /** Decodes a reply obtained outside `run` (e.g. from a blocking client), errors typed. */
  protected decodeWith<R>(decode: (reply: unknown) => R, reply: unknown): R {
    return finish({ args: [], write: false, decode, model: this.modelName, key: this.key }, reply);
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
    return encodeValue(this.serializer, value, this.errorContext);
  }

  /** An integer argument (a counter step...) as Redis reads it, checked before sending. */
  protected integerArg(value: number, name: string): string {
    return integerArg(value, name, this.errorContext);
  }

  /** A duration option in **milliseconds** (positive integer), checked before sending. */
  protected msArg(value: number, name: string): string {
    return msArg(value, name, this.errorContext);
  }

  /** A constructed copy of this handle with `key` and `executor`; the other fields copied. */
  #copy(key: string, executor: Executor | undefined): this {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- read by the constructor
    copyOf = this;
    let copy: this;
    try {
      copy = new (this.constructor as new () => this)();
    } finally {
      copyOf = undefined;
    }
    Object.assign(copy, this);
    (copy as { key: string }).key = key;
    (copy as unknown as { executor?: Executor }).executor = executor;
    return copy;
  }
}
