import type { RedisArg } from '../core/command.js';
import { ArgumentError } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import {
  blockingPop,
  consume,
  type BlockingCommand,
  type BlockingHost,
  type BlockingPopOptions,
  type ConsumeOptions,
} from './blocking-pop.js';
import { integer } from '../core/decoders.js';
import { decodeStored, list, nullable, storedReply } from './values.js';
import { Model } from './model.js';
import type { DirectOnly } from '../batch/types.js';
import { blockingMany, countArg, popManyCommand } from './list-batch.js';

/** The end of the list `pop` takes from: `R` (the tail: a Queue) or `L` (the head: a Stack). */
export type ListEnd = 'L' | 'R';

/**
 * What Queue and Stack share: a Redis list that `push` fills at the head (`LPUSH`, as the
 * Python ancestor does) and `pop` empties from one end, atomically (one command per pop, so an
 * item goes to exactly one caller). Blocking pops wait on connections of their own.
 *
 * @typeParam T - the item type.
 */
export abstract class ListModel<T> extends Model {
  /** The end `pop` takes from. */
  protected abstract get popEnd(): ListEnd;

  /** Decodes one item (nil = null). */
  get #item(): (reply: unknown) => T | null {
    return nullable(this.serializer as Serializer<T>);
  }

  /**
   * Adds items (`LPUSH`, one command for all), in the order given.
   * @returns the length after the push.
   * @throws {@link ArgumentError} without items, {@link EncodeError} for a value the serializer
   * refuses (nothing is pushed then).
   */
  push(...items: T[]): Promise<number> {
    if (items.length === 0) {
      throw new ArgumentError('push() needs at least one item', {
        model: this.modelName,
        key: this.key,
      });
    }
    const args: RedisArg[] = ['LPUSH', this.key];
    for (const item of items) args.push(this.encode(item));
    return this.write(args, integer);
  }

  /**
   * Takes the next item, waiting up to `timeout` ms for one (`BRPOP`/`BLPOP`, on a dedicated
   * connection); `timeout: 0` waits until an item comes or `signal` aborts.
   * @returns the item, or null when none came in time.
   * @throws the signal's reason when `signal` aborts first (at once if already aborted); an
   * item the server had already handed over is returned instead, never lost.
   */
  pop(options: BlockingPopOptions): DirectOnly<T | null>;
  /** Takes the next item (`RPOP` for a Queue, `LPOP` for a Stack, O(1)); null when empty. */
  pop(): Promise<T | null>;
  pop(options?: BlockingPopOptions): Promise<T | null> {
    if (options === undefined) return this.write([`${this.popEnd}POP`, this.key], this.#item);
    return blockingPop(this.#host, this.#blockingCommand, options);
  }

  /**
   * Takes up to `count` items at once, waiting up to `timeout` ms for the first (`BLMPOP ... COUNT
   * count`, Redis ≥ 7.0, on a dedicated connection): as many as there are then, at most `count`.
   * @returns the items in `pop` order; `[]` when none came in time.
   * @throws the signal's reason when `signal` aborts first (items already taken are returned).
   */
  popMany(count: number, options: BlockingPopOptions): DirectOnly<T[]>;
  /**
   * Takes up to `count` items at once (`RPOP key count` for a Queue, `LPOP` for a Stack; Redis ≥
   * 6.2; one atomic command, O(count)): each item goes to exactly one caller.
   * @returns the items in `pop` order (oldest first for a Queue); `[]` when the list is empty.
   * @throws {@link ArgumentError} for a count that is not a positive integer.
   */
  popMany(count: number): Promise<T[]>;
  popMany(count: number, options?: BlockingPopOptions): Promise<T[]> {
    const checked = countArg(count, 'popMany(count)', this.errorContext);
    const serializer = this.serializer as Serializer<T>;
    if (options === undefined) {
      const { args, decode } = popManyCommand(this.popEnd, this.key, checked, serializer);
      return this.write(args, decode);
    }
    const blocking = blockingMany(this.popEnd, this.key, checked, serializer);
    return blockingPop(this.#host, blocking, options, 'popMany(count, options)').then(
      (items) => items ?? [],
    ) as DirectOnly<T[]>;
  }

  /**
   * Pops items as they come, in `pop` order, for a `for await` loop: a loop of blocking pops on
   * ONE dedicated connection held for the whole iteration, so waiting costs nothing.
   *
   * The iteration completes (without an error) when `signal` aborts, when no item came for
   * `timeout` ms (if given), or when the consumer leaves the loop (`break`, `return`, a throw).
   * The connection is then released (closed after an abort). An abort never loses an item: one
   * the server had already handed over is still yielded. A value the serializer cannot decode
   * ends the iteration with a {@link DecodeError} (the value was taken off the list).
   *
   * @example
   * ```ts
   * const stop = new AbortController();
   * process.once('SIGTERM', () => stop.abort());
   * for await (const job of jobs.consume({ signal: stop.signal })) await handle(job);
   * ```
   */
  consume(options?: ConsumeOptions): AsyncGenerator<T, void, undefined>;
  /**
   * The same loop taking up to `batch` items per pop (`BLMPOP ... COUNT batch`, Redis ≥ 7.0):
   * it yields arrays of 1 to `batch` items, as many as were there, in `pop` order.
   */
  consume(options: ConsumeOptions & { batch: number }): AsyncGenerator<T[], void, undefined>;
  consume(
    options: ConsumeOptions & { batch?: number } = {},
  ): AsyncGenerator<T | T[], void, undefined> {
    if (options === null || typeof options !== 'object' || !('batch' in options)) {
      return consume(this.#host, this.#blockingCommand, options);
    }
    const { batch, ...rest } = options;
    if (batch === undefined) return consume(this.#host, this.#blockingCommand, rest);
    const count = countArg(batch, 'consume(options)', this.errorContext, 'batch');
    const serializer = this.serializer as Serializer<T>;
    return consume(this.#host, blockingMany(this.popEnd, this.key, count, serializer), rest);
  }

  /** The next item `pop` would take, without taking it (`LINDEX`, O(1)); null when empty. */
  peek(): Promise<T | null> {
    return this.read(['LINDEX', this.key, this.popEnd === 'R' ? '-1' : '0'], this.#item);
  }

  /** How many items wait (`LLEN`, O(1)). */
  size(): Promise<number> {
    return this.read(['LLEN', this.key], integer);
  }

  /**
   * Every item in the order `pop` takes them (oldest first for a Queue, newest first for a
   * Stack), without taking any (`LRANGE 0 -1`, O(n)); `[]` when empty.
   */
  items(): Promise<T[]> {
    const decode = list(this.serializer as Serializer<T>);
    if (this.popEnd === 'L') return this.read(['LRANGE', this.key, '0', '-1'], decode);
    const reversed = storedReply(this.serializer, (reply) => decode(reply).reverse());
    return this.read(['LRANGE', this.key, '0', '-1'], reversed);
  }

  /**
   * The blocking pop of the list: `BRPOP`/`BLPOP key timeout`, whose reply is `[key, item]`; an
   * item that came too late is pushed back where pops take from.
   */
  get #blockingCommand(): BlockingCommand<T> {
    const key = this.key;
    const end = this.popEnd;
    const serializer = this.serializer as Serializer<T>;
    return {
      command: (timeout) => [`B${end}POP`, key, timeout],
      value: (reply) => decodeStored(serializer, (reply as Array<string | Buffer>)[1]),
      // Pushed back at the end pops take from: the next pop takes it.
      giveBack: (reply) => [`${end}PUSH`, key, (reply as Array<string | Buffer>)[1]],
      binary: serializer.binary,
    };
  }

  /** What the blocking pops use of this model. */
  get #host(): BlockingHost {
    return this.tools();
  }
}
