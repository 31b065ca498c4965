import type { Command, RedisArg } from '../core/command.js';
import type { Executor } from '../core/executor.js';
import type { Topology } from '../transport/topology.js';
import { Queued } from './queued.js';
import type { BatchOperation, DirectOnly } from './types.js';

/**
 * A model handle whose operations queue into a batch: each method returning `Promise<R>`
 * returns a `Queued<R>` instead, **every overload kept** (up to four). Operations that need
 * several round trips or block (typed {@link DirectOnly}), and those that do not return a
 * promise (iterators), are `never` here: calling them does not compile.
 */
export type Batched<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? BatchOperation<M[K]> : M[K];
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
  /** A batch queues: multi-round-trip operations refuse to run in it. @internal */
  readonly queues = true;
  /** The commands, in order. @internal */
  readonly commands: Command[] = [];

  /** @internal */
  constructor(
    /** The topology of the Connection this batch belongs to. @internal */
    readonly router: Topology,
    /** The Connection class name, for messages. @internal */
    readonly connectionName: string,
  ) {}

  /** Records a model's command; returns its placeholder. @internal */
  run<R>(command: Command<R>): Queued<R> {
    const queued = new Queued<R>(this.commands.length, this);
    this.commands.push(command as Command);
    return queued;
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
    return this.run({ args, write: options.readonly !== true });
  }
}

export { Queued, type DirectOnly };
