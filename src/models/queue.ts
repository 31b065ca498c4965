import type { RedisArg } from '../command.js';
import { ArgumentError } from '../errors.js';
import type { Serializer } from '../serializers/serializer.js';
import {
  blockingPop,
  consume,
  hostOf,
  listPopValue,
  timeoutArg,
  type BlockingHost,
  type BlockingPopOptions,
  type ConsumeOptions,
} from './blocking-pop.js';
import { integer, list, nullable } from './decoders.js';
import { Model } from './model.js';

/**
 * A first-in first-out queue on a Redis list: `push` adds at the head (`LPUSH`), `pop` takes
 * from the tail (`RPOP`). The layout of the Python ancestor's Queue, so both can share a queue.
 * Each pop is one atomic command: many workers may pop at once and each item goes to exactly
 * one of them.
 *
 * Blocking pops (`pop({ timeout })`, `consume()`) wait on connections of their own, so a
 * waiting worker never delays the other commands of its Connection.
 *
 * @typeParam T - the item type, e.g. `Queue<Job>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, prefix: 'jobs' })
 * class Jobs extends Queue<{ id: number }> {}
 * const jobs = new Jobs('mail');
 * await jobs.push({ id: 1 }, { id: 2 });
 * await jobs.pop();                       // { id: 1 }
 * await jobs.pop({ timeout: 5_000 });     // { id: 2 }, or null after 5 s
 * for await (const job of jobs.consume({ signal })) handle(job);
 * ```
 */
export class Queue<T = string> extends Model {
  /** Decodes one item (nil = null). */
  get #item(): (reply: unknown) => T | null {
    return nullable(this.serializer as Serializer<T>);
  }

  /**
   * Adds items at the back of the queue (`LPUSH`, one command for all). They will be popped in
   * the order given.
   * @returns the queue's length after the push.
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
   * Takes the oldest item, waiting up to `timeout` ms for one (`BRPOP`, on a dedicated
   * connection); `timeout: 0` waits until an item comes or `signal` aborts.
   * @returns the item, or null when none came in time.
   * @throws the signal's reason when `signal` aborts first (at once if already aborted); an
   * item the server had already handed over is returned instead, never lost.
   */
  pop(options: BlockingPopOptions): Promise<T | null>;
  /** Takes the oldest item (`RPOP`, O(1)); null when the queue is empty. */
  pop(): Promise<T | null>;
  // The plain overload comes last: a batch maps the last overload, so the plain form is what a
  // pipeline accepts (blocking pops cannot run in one).
  pop(options?: BlockingPopOptions): Promise<T | null> {
    if (options === undefined) return this.write(['RPOP', this.key], this.#item);
    const seconds = timeoutArg(this, options.timeout);
    return this.#blockingPop(seconds, options.signal);
  }

  async #blockingPop(seconds: string, signal: AbortSignal | undefined): Promise<T | null> {
    this.direct('pop({ timeout })');
    const reply = await blockingPop(this.#host(), ['BRPOP', this.key, seconds], signal);
    return this.decodeWith(this.#item, listPopValue(reply));
  }

  /**
   * Pops items as they come, oldest first, for a `for await` loop: a loop of `BRPOP` on ONE
   * dedicated connection held for the whole iteration, so waiting costs nothing.
   *
   * The iteration completes (without an error) when `signal` aborts, when no item came for
   * `timeout` ms (if given), or when the consumer leaves the loop (`break`, `return`, a throw).
   * The connection is then released (closed after an abort). An abort never loses an item: one
   * the server had already handed over is still yielded. A value the serializer cannot decode
   * ends the iteration with a {@link DecodeError} (the value was taken off the queue).
   *
   * @example
   * ```ts
   * const stop = new AbortController();
   * process.once('SIGTERM', () => stop.abort());
   * for await (const job of jobs.consume({ signal: stop.signal })) await handle(job);
   * ```
   */
  consume(options: ConsumeOptions = {}): AsyncGenerator<T, void, undefined> {
    this.direct('consume()');
    const seconds = options.timeout === undefined ? '0' : timeoutArg(this, options.timeout);
    const idleEnds = options.timeout !== undefined && options.timeout > 0;
    const decode = this.#item;
    return consume(
      this.#host(),
      ['BRPOP', this.key, seconds],
      { signal: options.signal, idleEnds },
      (reply) => this.decodeWith(decode, listPopValue(reply)) as T,
    );
  }

  /** The oldest item without taking it (`LINDEX -1`, O(1)); null when empty. */
  peek(): Promise<T | null> {
    return this.read(['LINDEX', this.key, '-1'], this.#item);
  }

  /** How many items wait (`LLEN`, O(1)). */
  size(): Promise<number> {
    return this.read(['LLEN', this.key], integer);
  }

  /**
   * Every item, **oldest first** (the order `pop` takes them), without taking any (`LRANGE 0 -1`,
   * O(n)); `[]` when empty.
   */
  items(): Promise<T[]> {
    const decode = list(this.serializer as Serializer<T>);
    return this.read(['LRANGE', this.key, '0', '-1'], (reply) => decode(reply).reverse());
  }

  #host(): BlockingHost {
    return hostOf(this, (fn) => this.blocking(fn));
  }
}
