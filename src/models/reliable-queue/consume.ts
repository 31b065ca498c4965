import { setTimeout as sleep } from 'node:timers/promises';
import { isPassing } from '../../core/errors.js';
import { relay } from '../blocking-options.js';
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

/** Pauses between reconnect attempts grow from this to {@link PAUSE_MAX} ms. */
const PAUSE_MIN = 50;
const PAUSE_MAX = 1000;

/** How a loop goes on after connection failures. */
export interface Recovery {
  /** ms the loop keeps trying after a failure before it gives up (Infinity: never). */
  readonly reconnectFor: number;
  /** Told of each failure the loop goes on after. */
  readonly onError?: (error: Error) => void;
}

/**
 * Runs `attempt` until it succeeds, retrying after each {@link ConnectionError} (or refusal of a
 * server not ready yet: `LOADING` after a restart...) with growing pauses for up to
 * `reconnectFor` ms since the first failure in a row (each reported to `onError`). Other
 * errors, and the last of those, are thrown; an abort of `signal`
 * ends the pauses early and makes it return undefined.
 */
export async function withRecovery<R>(
  attempt: () => Promise<R>,
  { reconnectFor, onError }: Recovery,
  signal: AbortSignal | undefined,
): Promise<R | undefined> {
  let since: number | undefined;
  let pause = PAUSE_MIN;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (signal?.aborted) return undefined;
      if (!isPassing(error)) throw error;
      since ??= performance.now();
      if (performance.now() - since + pause > reconnectFor) throw error;
      onError?.(error);
      await sleep(pause, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) return undefined;
      pause = Math.min(pause * 2, PAUSE_MAX);
    }
  }
}

/** The checked options of consume(). */
export interface ConsumeLoop extends Recovery {
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
