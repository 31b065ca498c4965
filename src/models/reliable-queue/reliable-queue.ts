import type { Command } from '../../core/command.js';
import { newId } from '../../core/token.js';
import type { DirectOnly } from '../../batch/types.js';
import type { Serializer } from '../../serializers/serializer.js';
import { routerOf, type ModelStatics } from '../config.js';
import { runDurable, type WaitOptions } from '../durable.js';
import { Handle, type Operation } from '../handle.js';
import { keyOf } from '../model.js';
import { decodeStored } from '../values.js';
import {
  consumeOptions,
  deliveryArg,
  duration,
  nackOptions,
  popOptions,
  processOptions,
  pushOptions,
  type ProcessOptions,
  type PushOptions,
  type ReliableConsumeOptions,
  type ReliablePopOptions,
  valuesArg,
} from './call-options.js';
import { consumeLoop } from './consume.js';
import { DeadLetters } from './dead-letters.js';
import { Delivery, type NackOptions, type Settler } from './delivery.js';
import type { QueueHost, ScriptCall } from './host.js';
import {
  nextOf,
  partitionKeys,
  partitionOfId,
  unlinkCommand,
  type PartitionKeys,
} from './layout.js';
import { popAcross } from './pop.js';
import { work, type Handler } from './process.js';
import { byPartition, pushCall } from './push.js';
import { settingsOf, type BackoffOptions, type QueueSettings } from './settings.js';
import { ackCall, extendCall, nackCall } from './settle.js';
import { statsCall, sumStats, type QueueStats } from './stats.js';
import { popWaiting } from './wait.js';

export type { QueueStats } from './stats.js';

/**
 * A queue with **at-least-once** delivery: a popped message is not gone but **in flight** for
 * its visibility (on the server's clock); acked, it is removed for good; nacked, or not acked
 * in time (a worker that crashed), it goes back to the queue by itself — no client task has to
 * run for that — to be delivered again, with backoff between attempts, until its attempts are
 * used up and it moves to the **dead letters** with its last error. Pushes can be delayed and
 * idempotent (by id). Each step is one Lua script on keys of one hash tag: cluster-safe.
 *
 * Configuration (static fields, or `@model({...})` in lower camel case): `VISIBILITY` (ms,
 * default 30 000), `ATTEMPTS` (default 5; `Infinity`: no limit), `BACKOFF` (default
 * exponential from 1 s), `DEAD_LETTER_LIMIT` (default 10 000), `PARTITIONS` (default 1),
 * `DURABLE` (push and ack wait for replicas). See docs/models/reliable-queue.md.
 *
 * @typeParam T - the message type, e.g. `ReliableQueue<Email>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, visibility: 30_000, attempts: 5 })
 * class Emails extends ReliableQueue<Email> {}
 * const emails = new Emails('emails');
 * await emails.push({ to: 'ann@example.com' }, { id: 'welcome-42' });
 * await emails.process(async (email) => send(email), { concurrency: 10, signal });
 * ```
 */
export class ReliableQueue<T = string> extends Handle implements Settler<T> {
  /** Default key name (a singleton queue). */
  static KEY?: string;
  /** Namespace joined to the key with `:`. */
  static PREFIX?: string;
  /** How long a delivery is hidden from other consumers, in ms; default 30 000. */
  static VISIBILITY?: number;
  /** Deliveries allowed per message before it moves to the dead letters; default 5. */
  static ATTEMPTS?: number;
  /** The delay before a nacked message's next delivery; default exponential from 1 s. */
  static BACKOFF?: BackoffOptions;
  /** Dead letters kept, the oldest dropped beyond; default 10 000 (`Infinity`: all). */
  static DEAD_LETTER_LIMIT?: number;
  /** Partitions (each its own hash tag) to spread the queue over shards; default 1. */
  static PARTITIONS?: number;
  /** `push` and `ack` wait until this many replicas have them (Redis `WAIT`). */
  static DURABLE?: WaitOptions;

  /** Rotation of the partition scans of this handle and its copies. */
  private readonly rotation = { next: 0 };

  /**
   * @param key - the queue's name (after `PREFIX`); defaults to the class `KEY`.
   * @throws {@link KeyError} when there is neither.
   */
  constructor(key?: string) {
    super(keyOf, key);
  }

  /** The class configuration, checked. @throws ConfigError */
  get #settings(): QueueSettings {
    return settingsOf(this.constructor as typeof ReliableQueue);
  }

  /**
   * Adds a message, ready at once or after `delay` ms (one script; queues into a batch).
   * @returns its id: `options.id`, or a new unique one. With an id the queue holds already, adds
   * nothing and returns that id (idempotent).
   * @throws {@link EncodeError} (the serializer refused the value), {@link ArgumentError}.
   */
  push(value: T, options?: PushOptions): Promise<string> {
    const partitions = this.#settings.partitions;
    const { id: given, delay } = pushOptions(options, this.errorContext);
    const id = given ?? newId();
    const message = [id, this.encode(value)] as const;
    const call = pushCall(this.#host, partitionOfId(id, partitions), [message], delay);
    // The call's own decoder still runs (it publishes the push event).
    return this.#script({ ...call, decode: (reply) => (call.decode(reply), id) });
  }

  /**
   * Adds several messages, each with a new id, in order: one script (per partition: with
   * several, not in a batch, and the order holds within each partition only).
   * @returns their ids.
   */
  pushMany(values: readonly T[], options?: Omit<PushOptions, 'id'>): Promise<string[]> {
    valuesArg(values, this.errorContext);
    const partitions = this.#settings.partitions;
    const { delay } = pushOptions(options, this.errorContext);
    const messages = values.map((value) => [newId(), this.encode(value)] as const);
    const ids = messages.map(([id]) => id);
    if (partitions === 1) {
      const call = pushCall(this.#host, 0, messages, delay);
      return this.#script({ ...call, decode: (reply) => (call.decode(reply), ids) });
    }
    this.direct('pushMany() with several partitions');
    const host = this.#host;
    const calls = byPartition(messages, partitions).map(([p, group]) =>
      this.now(this.#script(pushCall(host, p, group, delay))),
    );
    return Promise.all(calls).then(() => ids);
  }

  /**
   * Takes the next ready message for `visibility` ms: one script (the sweep, then the pop).
   * Without `timeout`, does not wait: null when nothing is ready. With `timeout` (ms; 0: no
   * limit), waits for a push or the next due message, blocking (no polling) on a dedicated
   * connection. Not in a batch.
   * @returns the delivery, or null.
   * @throws `signal.reason` when the signal aborts first.
   */
  pop(options?: ReliablePopOptions): DirectOnly<Delivery<T> | null> {
    this.direct('pop()');
    const checked = popOptions(options, this.#settings.visibility, this.errorContext);
    const { visibility, timeout, signal } = checked;
    const host = this.#host;
    const got =
      timeout === undefined
        ? popAcross(host, this, visibility, 1, 0).then((popped) => popped.deliveries)
        : popWaiting(host, this, { visibility, timeout, count: 1, signal });
    return got.then((deliveries) => deliveries[0] ?? null) as DirectOnly<Delivery<T> | null>;
  }

  /**
   * Deliveries as they come, one at a time, for a `for await` loop (each one a pop that waits
   * without polling). Ack, nack or extend each. The iteration ends when `signal` aborts, after
   * `timeout` ms without a message (if given), or when the loop is left; after a connection
   * failure it reconnects for up to `reconnectFor` ms.
   */
  consume(options?: ReliableConsumeOptions): AsyncGenerator<Delivery<T>, void, undefined> {
    this.direct('consume()');
    const checked = consumeOptions(options, this.#settings.visibility, this.errorContext);
    return consumeLoop(this.#host, this, checked);
  }

  /**
   * A worker: runs `handler` on each message, up to `concurrency` at once; acks when it
   * resolves, nacks with its error when it throws (retried with backoff, or dead-lettered),
   * and renews each delivery while it runs. Survives restarts and failovers (it reconnects).
   * After `signal` aborts it takes nothing more, gives running handlers `grace` ms, then hands
   * their messages back at once.
   * @returns a promise that resolves once wound down; rejects on a failure it cannot go on after.
   */
  process(handler: Handler<T>, options?: ProcessOptions): DirectOnly<void> {
    this.direct('process()');
    const checked = processOptions(handler, options, this.#settings.visibility, this.errorContext);
    return work(this.#host, this, handler, checked) as DirectOnly<void>;
  }

  /** Acks a delivery: see {@link Delivery.ack}. One script; queues into a batch. */
  ack(delivery: Delivery<T>): Promise<boolean> {
    return this.#script(ackCall(this.#host, this.#delivery(delivery)));
  }

  /** Nacks a delivery: see {@link Delivery.nack}. One script; queues into a batch. */
  nack(delivery: Delivery<T>, options?: NackOptions): Promise<boolean> {
    const d = this.#delivery(delivery);
    const backoff = this.#settings.backoff;
    const { delay, error, retry } = nackOptions(options, backoff, d.attempt, this.errorContext);
    const call = nackCall(this.#host, d, delay, error, retry ? 'retry' : 'dead');
    return this.#script({ ...call, decode: (reply) => call.decode(reply) > 0 });
  }

  /** Extends a delivery: see {@link Delivery.extend}. One script; queues into a batch. */
  extend(delivery: Delivery<T>, ms?: number): Promise<boolean> {
    const d = this.#delivery(delivery);
    const visibility = ms === undefined ? d.visibility : duration(ms, 'ms', this.errorContext, 1);
    const call = extendCall(this.#host, d, visibility);
    return this.#script({
      ...call,
      decode: (reply) => {
        const held = call.decode(reply);
        if (held) d.visibility = visibility;
        return held;
      },
    });
  }

  /** Hands a delivery back unfinished: see {@link Delivery.release}. One script. */
  release(delivery: Delivery<T>): Promise<boolean> {
    const call = nackCall(this.#host, this.#delivery(delivery), 0, '', 'release');
    return this.#script({ ...call, decode: (reply) => call.decode(reply) > 0 });
  }

  /**
   * How many messages wait, are delayed, in flight, and dead (one script per partition: the
   * sweep, then `LLEN`/`ZCARD`s; with one partition it queues into a batch).
   */
  stats(): Promise<QueueStats> {
    const host = this.#host;
    const partitions = this.#settings.partitions;
    if (partitions === 1) return this.#script(statsCall(host, 0));
    this.direct('stats() with several partitions');
    return Promise.all(
      Array.from({ length: partitions }, (_, p) => this.now(this.#script(statsCall(host, p)))),
    ).then(sumStats);
  }

  /** The dead letters: list, retry, purge. */
  get deadLetters(): DeadLetters<T> {
    return new DeadLetters(this.#host);
  }

  /**
   * Removes the whole queue, every message in every state (`UNLINK` of its keys, one per
   * partition). @returns true when anything existed.
   */
  delete(): Promise<boolean> {
    const partitions = this.#settings.partitions;
    const unlink = (p: number): Command<boolean> => unlinkCommand(this.#keys(p), this.modelName);
    if (partitions === 1) return this.run(unlink(0));
    this.direct('delete() with several partitions');
    return Promise.all(
      Array.from({ length: partitions }, (_, p) => this.now(this.run(unlink(p)))),
    ).then((all) => all.some(Boolean));
  }

  /** A delivery argument, checked: one this queue's pops made. */
  #delivery(delivery: Delivery<T>): Delivery<T> {
    return deliveryArg(delivery, this.#settings.partitions, this.errorContext);
  }

  /** Runs a script call through this handle (at once, into its batch, or waiting for replicas). */
  #script<R>(call: ScriptCall<R>): Operation<R> {
    const command: Command<R> = {
      args: call.script.evalsha(call.keys, call.args),
      write: true,
      decode: call.decode,
      binary: call.stored === true && this.serializer.binary === true ? true : undefined,
      model: this.modelName,
      key: call.route,
      script: call.script,
    };
    const durable = call.durable ? this.#settings.durable : undefined;
    if (durable !== undefined && this.executor === undefined) {
      const router = routerOf(this.constructor as ModelStatics);
      return runDurable(router, command, durable) as Operation<R>;
    }
    return this.run(command);
  }

  #keys(p: number): PartitionKeys {
    return partitionKeys(this.key, p);
  }

  #nextPartition(): number {
    return nextOf(this.rotation, this.#settings.partitions);
  }

  /** What the step files use of this queue, bound (made once per handle). */
  #lent: QueueHost<T> | undefined;

  get #host(): QueueHost<T> {
    const statics = this.constructor as typeof ReliableQueue;
    return (this.#lent ??= {
      key: this.key,
      modelName: this.modelName,
      context: this.errorContext,
      get settings() {
        return settingsOf(statics);
      },
      keys: (p) => this.#keys(p),
      nextPartition: () => this.#nextPartition(),
      script: (call) => this.#script(call),
      blocking: (route, fn, signal) =>
        routerOf(statics as ModelStatics).dedicated(route, fn, signal, this.errorContext),
      direct: (operation) => this.direct(operation),
      now: (operation) => this.now(operation),
      decode: (raw) => decodeStored(this.serializer as Serializer<T>, raw),
      encode: (value) => this.encode(value),
    });
  }
}
