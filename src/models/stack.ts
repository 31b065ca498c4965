import type { RedisArg } from '../command.js';
import { ArgumentError } from '../errors.js';
import type { Serializer } from '../serializers/serializer.js';
import {
  blockingPop,
  hostOf,
  listPopValue,
  timeoutArg,
  type BlockingPopOptions,
} from './blocking-pop.js';
import { integer, list, nullable } from './decoders.js';
import { Model } from './model.js';

/**
 * A last-in first-out stack on a Redis list: `push` adds at the head (`LPUSH`) and `pop` takes
 * from the head too (`LPOP`). The layout of the Python ancestor's Stack, so both can share a
 * stack. Each pop is one atomic command: an item goes to exactly one caller.
 *
 * @typeParam T - the item type, e.g. `Stack<Page>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON })
 * class History extends Stack<{ url: string }> {}
 * const history = new History('tab-1');
 * await history.push({ url: '/a' }, { url: '/b' });
 * await history.peek();   // { url: '/b' }
 * await history.pop();    // { url: '/b' }
 * ```
 */
export class Stack<T = string> extends Model {
  /** Decodes one item (nil = null). */
  get #item(): (reply: unknown) => T | null {
    return nullable(this.serializer as Serializer<T>);
  }

  /**
   * Pushes items on top of the stack (`LPUSH`, one command for all), one after the other: the
   * last one given ends on top.
   * @returns the stack's size after the push.
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
   * Takes the newest item, waiting up to `timeout` ms for one (`BLPOP`, on a dedicated
   * connection); `timeout: 0` waits until an item comes or `signal` aborts.
   * @returns the item, or null when none came in time.
   * @throws the signal's reason when `signal` aborts first (at once if already aborted); an
   * item the server had already handed over is returned instead, never lost.
   */
  pop(options: BlockingPopOptions): Promise<T | null>;
  /** Takes the newest item (`LPOP`, O(1)); null when the stack is empty. */
  pop(): Promise<T | null>;
  // The plain overload comes last: a batch maps the last overload, so the plain form is what a
  // pipeline accepts (blocking pops cannot run in one).
  pop(options?: BlockingPopOptions): Promise<T | null> {
    if (options === undefined) return this.write(['LPOP', this.key], this.#item);
    const seconds = timeoutArg(this, options.timeout);
    return this.#blockingPop(seconds, options.signal);
  }

  async #blockingPop(seconds: string, signal: AbortSignal | undefined): Promise<T | null> {
    this.direct('pop({ timeout })');
    const host = hostOf(this, (fn) => this.blocking(fn));
    const reply = await blockingPop(host, ['BLPOP', this.key, seconds], signal);
    return this.decodeWith(this.#item, listPopValue(reply));
  }

  /** The newest item without taking it (`LINDEX 0`, O(1)); null when empty. */
  peek(): Promise<T | null> {
    return this.read(['LINDEX', this.key, '0'], this.#item);
  }

  /** How many items the stack holds (`LLEN`, O(1)). */
  size(): Promise<number> {
    return this.read(['LLEN', this.key], integer);
  }

  /**
   * Every item, **newest first** (the order `pop` takes them), without taking any
   * (`LRANGE 0 -1`, O(n)); `[]` when empty.
   */
  items(): Promise<T[]> {
    return this.read(['LRANGE', this.key, '0', '-1'], list(this.serializer as Serializer<T>));
  }
}
