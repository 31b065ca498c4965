import { relay } from '../blocking-options.js';
import { Recovery } from '../recovery.js';
import type { Delivery, Settler } from './delivery.js';
import type { QueueHost } from './host.js';
import { popWaiting } from './wait.js';

/**
 * `ReliableQueue.consume()`: deliveries one at a time for a `for await` loop, waiting without
 * polling, and reconnecting after a connection failure.
 *
 * @internal
 * @module
 */

/** How a loop goes on after connection failures (see {@link Recovery}). */
export interface RecoveryOptions {
  /** ms the loop keeps trying after a failure before it gives up (Infinity: never). */
  readonly reconnectFor: number;
  /** Told of each failure the loop goes on after. */
  readonly onError?: (error: Error) => void;
}

/**
 * Runs `attempt` until it succeeds, going on after failures as {@link Recovery} says; an abort
 * of `signal` makes it return undefined.
 */
export async function withRecovery<R>(
  attempt: () => Promise<R>,
  { reconnectFor, onError }: RecoveryOptions,
  signal: AbortSignal | undefined,
): Promise<R | undefined> {
  const recovery = new Recovery(reconnectFor, onError);
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) return undefined;
      await recovery.failed(error, signal);
      if (signal?.aborted) return undefined;
    }
  }
}

/** The checked options of consume(). */
export interface ConsumeLoop extends RecoveryOptions {
  readonly visibility: number;
  /** ms without a message after which the iteration ends; 0: never. */
  readonly timeout: number;
  readonly signal?: AbortSignal;
}

/** The deliveries, one at a time, until `signal` aborts or `timeout` ms pass without one. */
export async function* consumeLoop<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  options: ConsumeLoop,
): AsyncGenerator<Delivery<T>, void, undefined> {
  const signal = relay(options.signal);
  const { visibility, timeout } = options;
  while (!signal?.aborted) {
    const got = await withRecovery(
      () => popWaiting(host, settler, { visibility, timeout, count: 1, signal }),
      options,
      signal,
    ).catch((error: unknown) => {
      if (signal?.aborted) return undefined;
      throw error;
    });
    if (got === undefined) return; // aborted
    if (got.length === 0) {
      if (timeout > 0) return; // idle for `timeout` ms
      continue;
    }
    yield got[0];
  }
}
