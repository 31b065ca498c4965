/**
 * One delivery of a ReliableQueue message, and how it ends.
 *
 * @module
 */

/** Options of {@link Delivery.nack}. */
export interface NackOptions {
  /**
   * Milliseconds before the message is delivered again; default: the class `BACKOFF` for this
   * attempt. Ignored when the message goes to the dead letters.
   */
  delay?: number;
  /** Why it failed: kept with the message (the dead letters show the last one). */
  error?: string | Error;
  /**
   * `false` sends the message straight to the dead letters, whatever attempts are left (an
   * error no retry can fix). Default true.
   */
  retry?: boolean;
}

/** How a delivery settles: the queue it came from (a {@link ReliableQueue} implements it). */
export interface Settler<T> {
  ack(delivery: Delivery<T>): Promise<boolean>;
  nack(delivery: Delivery<T>, options?: NackOptions): Promise<boolean>;
  extend(delivery: Delivery<T>, ms?: number): Promise<boolean>;
  /** Hands an unfinished delivery back: first in line, the attempt not counted. */
  release(delivery: Delivery<T>): Promise<boolean>;
}

/**
 * A message handed to one consumer for a while (its **visibility**, on the server's clock):
 * until it is acked, nacked, or its visibility ends, no one else gets it. When the visibility
 * ends first, the message goes back to the queue by itself and may be delivered again (with
 * `attempt` + 1); this delivery can then no longer ack it.
 *
 * @typeParam T - the message type.
 */
export class Delivery<T> {
  /** The message id (the one given to `push({ id })`, or the generated one). */
  readonly id: string;
  /** The message. */
  readonly value: T;
  /** Which delivery of the message this is: 1 the first time, 2 after one failure... */
  readonly attempt: number;
  /**
   * The visibility this delivery got, in ms (the last `extend` changes it): what `extend()`
   * without an argument grants again.
   */
  visibility: number;
  /** @internal what identifies this delivery among the message's deliveries. */
  readonly receipt: string;
  /** @internal the partition the message is in. */
  readonly partition: number;
  readonly #settler: Settler<T>;
  #controller: AbortController | undefined;
  #reason: unknown;

  /** @internal made by the queue's pops. */
  constructor(
    settler: Settler<T>,
    fields: {
      id: string;
      value: T;
      attempt: number;
      receipt: string;
      partition: number;
      visibility: number;
    },
  ) {
    this.#settler = settler;
    this.id = fields.id;
    this.value = fields.value;
    this.attempt = fields.attempt;
    this.receipt = fields.receipt;
    this.partition = fields.partition;
    this.visibility = fields.visibility;
  }

  /**
   * Aborts when this delivery is given up by `process()`: a renewal found its message gone (its
   * visibility ended), or the grace period after shutdown ran out and the message was handed
   * back. The reason is a {@link DeliveryLostError}. Check it before committing effects. Made on
   * first use; outside `process()` it never aborts.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** @internal gives the delivery up: its signal aborts (now, or when first read) with `reason`. */
  abandon(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /**
   * Done: removes the message for good (one script, O(log n)).
   * @returns true; false when this delivery no longer held it (its visibility ended and the
   * message came back to the queue, maybe to another consumer): nothing is removed then.
   */
  ack(): Promise<boolean> {
    return this.#settler.ack(this);
  }

  /**
   * Failed: the message goes back to the queue, to be delivered again after a delay (the
   * class `BACKOFF`, or `options.delay`), or to the dead letters when this was its last attempt
   * allowed (or with `retry: false`). One script.
   * @returns false when this delivery no longer held the message (nothing is changed then).
   */
  nack(options?: NackOptions): Promise<boolean> {
    return this.#settler.nack(this, options);
  }

  /**
   * More time: the visibility ends `ms` from now (server clock); default the visibility this
   * delivery got. One script.
   * @returns false when this delivery no longer held the message (nothing is changed then).
   */
  extend(ms?: number): Promise<boolean> {
    return this.#settler.extend(this, ms);
  }

  /**
   * Hands the message back unfinished (a shutdown...): it is first in line again, and this
   * attempt does not count. One script.
   * @returns false when this delivery no longer held the message (nothing is changed then).
   */
  release(): Promise<boolean> {
    return this.#settler.release(this);
  }
}
