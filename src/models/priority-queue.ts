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
import { double, integer, positive } from '../core/decoders.js';
import { decodeStored, list, nullable, storedReply } from './values.js';
import { Model } from './model.js';
import type { DirectOnly } from '../batch/types.js';

/** An item with its priority, as {@link PriorityQueue.popWithPriority} returns it. */
export interface PriorityItem<T> {
  readonly item: T;
  /** The item's priority: lower numbers come out first. */
  readonly priority: number;
}

type Raw = string | Buffer;

/**
 * The member and score of a `ZPOPMIN` reply (RESP3 `[m, s]` or `[[m, s]]`, RESP2 `[m, "s"]`,
 * empty `[]`), or null.
 */
function popped(reply: unknown): [Raw, unknown] | null {
  if (reply === null || reply === undefined) return null;
  let pair = reply as unknown[];
  if (Array.isArray(pair[0])) pair = pair[0] as unknown[];
  if (pair.length < 2) return null;
  return [pair[0] as Raw, pair[1]];
}

/** A blocking pop's result: the item alone. */
const itemOnly = <T>(item: T): T => item;

/** A blocking pop's result: the item with its priority (the score, a string in RESP2). */
const withPriority = <T>(item: T, score: unknown): PriorityItem<T> => ({
  item,
  priority: double(score) as number,
});

/**
 * A priority queue on a Redis sorted set whose score is the priority: `push` is `ZADD`, `pop`
 * takes the item with the **lowest** priority number first, atomically (`ZPOPMIN`), so
 * concurrent workers never get the same item. The layout of the Python ancestor's
 * PriorityQueue (whose pop, a read then a `ZREM`, could hand one item to two workers).
 *
 * A sorted set holds each distinct stored value once: pushing an item equal to one already
 * queued (same encoded form) keeps one entry and updates its priority. Items of equal priority
 * come out in the byte order of their encoded form, not in push order.
 *
 * @typeParam T - the item type, e.g. `PriorityQueue<Job>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON })
 * class Tasks extends PriorityQueue<{ id: number }> {}
 * const tasks = new Tasks('render');
 * await tasks.push({ id: 1 }, 10);
 * await tasks.push({ id: 2 }, 1);
 * await tasks.pop();                    // { id: 2 }
 * await tasks.pop({ timeout: 5_000 });  // { id: 1 }, or null after 5 s
 * ```
 */
export class PriorityQueue<T = string> extends Model {
  /** Decodes one item (nil = null). */
  get #item(): (reply: unknown) => T | null {
    return nullable(this.serializer as Serializer<T>);
  }

  /** Decodes a `ZPOPMIN` reply into item and priority. */
  get #popped(): (reply: unknown) => PriorityItem<T> | null {
    const serializer = this.serializer as Serializer<T>;
    return storedReply(serializer, (reply) => {
      const pair = popped(reply);
      if (pair === null) return null;
      return { item: decodeStored(serializer, pair[0]), priority: double(pair[1]) as number };
    });
  }

  #priorityArg(priority: number): string {
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new ArgumentError(`priority must be a finite number, got ${String(priority)}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    return String(priority);
  }

  /**
   * Queues an item with its priority (`ZADD`, O(log n)); lower numbers come out first.
   * @returns true when the item is new, false when an equal item was queued already (its
   * priority is now `priority`).
   * @throws {@link ArgumentError} for a priority that is not a finite number.
   */
  push(item: T, priority: number): Promise<boolean> {
    const score = this.#priorityArg(priority);
    return this.write(['ZADD', this.key, score, this.encode(item)], positive);
  }

  /**
   * Queues several items in one command (`ZADD`, O(k log n)).
   * @returns how many of them were new (the others had their priority updated).
   * @throws {@link ArgumentError} when there are no entries or a priority is not finite.
   */
  pushMany(entries: Iterable<readonly [item: T, priority: number]>): Promise<number> {
    const args: RedisArg[] = ['ZADD', this.key];
    for (const [item, priority] of entries)
      args.push(this.#priorityArg(priority), this.encode(item));
    if (args.length === 2) {
      throw new ArgumentError('pushMany() needs at least one entry', {
        model: this.modelName,
        key: this.key,
      });
    }
    return this.write(args, integer);
  }

  /**
   * Takes the item with the lowest priority, waiting up to `timeout` ms for one (`BZPOPMIN`, on
   * a dedicated connection); `timeout: 0` waits until an item comes or `signal` aborts.
   * @returns the item, or null when none came in time.
   * @throws the signal's reason when `signal` aborts first (at once if already aborted); an
   * item the server had already handed over is returned instead, never lost.
   */
  pop(options: BlockingPopOptions): DirectOnly<T | null>;
  /** Takes the item with the lowest priority (`ZPOPMIN`, O(log n)); null when empty. */
  pop(): Promise<T | null>;
  pop(options?: BlockingPopOptions): Promise<T | null> {
    if (options === undefined) {
      const decode = this.#popped;
      const item = storedReply(this.serializer, (reply) => decode(reply)?.item ?? null);
      return this.write(['ZPOPMIN', this.key], item);
    }
    return blockingPop(this.#host, this.#bzpopmin(itemOnly), options);
  }

  /** Like {@link PriorityQueue.pop} with a timeout, with the item's priority (`BZPOPMIN`). */
  popWithPriority(options: BlockingPopOptions): DirectOnly<PriorityItem<T> | null>;
  /** Like {@link PriorityQueue.pop}, with the item's priority (`ZPOPMIN`). */
  popWithPriority(): Promise<PriorityItem<T> | null>;
  popWithPriority(options?: BlockingPopOptions): Promise<PriorityItem<T> | null> {
    if (options === undefined) return this.write(['ZPOPMIN', this.key], this.#popped);
    return blockingPop(
      this.#host,
      this.#bzpopmin(withPriority),
      options,
      'popWithPriority(options)',
    );
  }

  /**
   * Pops items as they come, lowest priority first, for a `for await` loop: a loop of
   * `BZPOPMIN` on ONE dedicated connection held for the whole iteration, so waiting costs
   * nothing.
   *
   * The iteration completes (without an error) when `signal` aborts, when no item came for
   * `timeout` ms (if given), or when the consumer leaves the loop. The connection is then
   * released (closed after an abort). An abort never loses an item: one the server had already
   * handed over is still yielded. A value the serializer cannot decode ends the iteration with
   * a {@link DecodeError} (the value was taken off the queue).
   */
  consume(options: ConsumeOptions = {}): AsyncGenerator<T, void, undefined> {
    return consume(this.#host, this.#bzpopmin(itemOnly), options);
  }

  /** The item with the lowest priority, without taking it (`ZRANGE 0 0`, O(log n)). */
  peek(): Promise<T | null> {
    const decode = this.#item;
    const first = storedReply(this.serializer, (reply) => decode((reply as Raw[])[0] ?? null));
    return this.read(['ZRANGE', this.key, '0', '0'], first);
  }

  /** The priority of a queued item (`ZSCORE`, O(1)); null when it is not queued. */
  priorityOf(item: T): Promise<number | null> {
    return this.read(['ZSCORE', this.key, this.encode(item)], double);
  }

  /** How many items wait (`ZCARD`, O(1)). */
  size(): Promise<number> {
    return this.read(['ZCARD', this.key], integer);
  }

  /**
   * Every item, **lowest priority first** (the order `pop` takes them), without taking any
   * (`ZRANGE 0 -1`, O(n)); `[]` when empty.
   */
  items(): Promise<T[]> {
    return this.read(['ZRANGE', this.key, '0', '-1'], list(this.serializer as Serializer<T>));
  }

  /** Removes one item (`ZREM`); true if it was queued. */
  remove(item: T): Promise<boolean> {
    return this.write(['ZREM', this.key, this.encode(item)], positive);
  }

  /**
   * The blocking pop of the queue: `BZPOPMIN key timeout`, whose reply is `[key, member, score]`
   * (the score a string in RESP2); `value` makes the pop's result of the decoded item and score.
   * An item that came too late is added back with its priority.
   */
  #bzpopmin<V>(value: (item: T, score: unknown) => V): BlockingCommand<V> {
    const key = this.key;
    const serializer = this.serializer as Serializer<T>;
    return {
      command: (timeout) => ['BZPOPMIN', key, timeout],
      value: (reply) => {
        const [, member, score] = reply as [Raw, Raw, unknown];
        return value(decodeStored(serializer, member), score);
      },
      // Back with its priority, unless the item was added again meanwhile (NX).
      giveBack: (reply) => {
        const [, member, score] = reply as [Raw, Raw, unknown];
        return ['ZADD', key, 'NX', String(score), member];
      },
      binary: serializer.binary,
    };
  }

  /** What the blocking pops use of this model. */
  get #host(): BlockingHost {
    return this.tools();
  }
}
