import type { Command, RedisArg } from '../command.js';
import type { Topology } from '../connection/topology.js';
import type { Executor } from '../models/model.js';

/**
 * A placeholder for the result of an operation queued in a batch; the batch's promise resolves
 * to the results in order, each decoded by its own model.
 *
 * @typeParam R - the type the operation resolves to when run directly.
 */
export class Queued<R> {
  /** Phantom field carrying the result type. */
  declare readonly resultType?: R;

  constructor(
    /** Position in the batch. */
    readonly index: number,
    /** The batch it was queued in. @internal */
    readonly batch: Batch,
  ) {}
}

/**
 * A model handle whose operations queue into a batch: each `Promise<R>` method returns a
 * `Queued<R>` instead. Operations that need several round trips or block throw a ConfigError.
 */
export type Batched<M> = {
  [K in keyof M]: M[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => Queued<R>
    : M[K];
};

/** The results of a batch, in order and typed: `[Queued<number>, Queued<User | null>]` → `[number, User | null]`. */
export type BatchResults<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends Queued<infer R> ? R : never;
};

/** Options of a raw command queued in a batch. */
export interface RawOptions {
  /** True when the command only reads (then a read-only batch may go to a replica). Default false. */
  readonly?: boolean;
}

/**
 * The operations of a pipeline or transaction, recorded in order. Obtain one from
 * `Connection.pipeline`, `Connection.transaction` or `Connection.watch`; put model operations in
 * it with `model.in(batch)`.
 */
export class Batch implements Executor {
  /** Marks this executor as a batch: multi-round-trip operations refuse to run in it. */
  readonly batch = true;
  /** The commands, in order. @internal */
  readonly commands: Command[] = [];

  /** @internal */
  constructor(
    /** The topology of the Connection this batch belongs to. @internal */
    readonly router: Topology,
    /** The Connection class name, for messages. @internal */
    readonly connectionName: string,
  ) {}

  /** Records a model's command; returns its placeholder (typed as the model's promise). @internal */
  run<R>(command: Command<R>): Promise<R> {
    const queued = new Queued<R>(this.commands.length, this);
    this.commands.push(command as Command);
    return queued as unknown as Promise<R>;
  }

  /**
   * Queues a raw command, for what no model offers. The reply comes back as node-redis gives it.
   *
   * @example
   * ```ts
   * const [size] = await Main.pipeline((p) => [p.raw(['DBSIZE'], { readonly: true })]);
   * ```
   */
  raw(args: RedisArg[], options: RawOptions = {}): Queued<unknown> {
    return this.run({ args, write: options.readonly !== true }) as unknown as Queued<unknown>;
  }

  /** True when some command writes. @internal */
  get writes(): boolean {
    return this.commands.some((command) => command.write);
  }
}
