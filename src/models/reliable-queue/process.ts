import { isPassing } from '../../core/errors.js';
import { relay } from '../blocking-options.js';
import { withRecovery, type Recovery } from './consume.js';
import type { Delivery, Settler } from './delivery.js';
import { DeliveryLostError } from './errors.js';
import type { QueueHost } from './host.js';
import { cycle, type AckRef } from './pop.js';
import { startRenewal, type Job } from './renewal.js';
import { blockTime, flagFor, recheck, waitForWake } from './wait.js';

/**
 * `ReliableQueue.process()`: a worker. One fetch loop runs **cycles**: one pop script that acks
 * the deliveries whose handlers finished since the last cycle and takes as many messages as
 * there are free handler slots (so a busy worker sends one script per cycle, not one per ack and
 * one per pop). When nothing is ready it blocks (one connection) until a push or the next due
 * message; acks of handlers that finish meanwhile go out on their own. A handler that throws is
 * nacked with its error. Deliveries are renewed while their handlers run. After the signal
 * aborts, no message is taken; running handlers get `grace` ms to finish, then their messages go
 * back to the queue at once (first in line).
 *
 * @internal
 * @module
 */

/**
 * A message handler: gets the message, its delivery, and a signal that aborts when the
 * delivery is lost (a {@link DeliveryLostError}: its visibility ended) or the worker's grace
 * period after shutdown ran out.
 */
export type Handler<T> = (value: T, delivery: Delivery<T>, signal: AbortSignal) => unknown;

/** The checked options of process(). */
export interface WorkerOptions extends Recovery {
  readonly concurrency: number;
  readonly visibility: number;
  readonly grace: number;
  /** Renew each delivery while its handler runs. */
  readonly renew: boolean;
  readonly signal?: AbortSignal;
}

/** A finished delivery waiting for the next cycle's ack. */
interface Finished<T> extends AckRef {
  readonly delivery: Delivery<T>;
}

/** Runs the worker until `options.signal` aborts and the handlers are done or released. */
export async function work<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  handler: Handler<T>,
  options: WorkerOptions,
): Promise<void> {
  const signal = relay(options.signal);
  const report = (error: unknown): void => {
    if (error instanceof Error) options.onError?.(error);
  };
  const jobs = new Set<Job<T>>();
  const settling = new Set<Promise<void>>(); // acks and nacks on their way
  let finished: Finished<T>[] = [];
  /** Deliveries taken ahead (at most `concurrency`), started as handler slots free up. */
  const ahead: Array<{ delivery: Delivery<T>; since: number }> = [];
  let direct = false; // acks go out on their own (while the loop blocks, and after it ended)
  let nudge: (() => void) | undefined;
  const notify = (): void => nudge?.();
  const track = (promise: Promise<unknown>): void => {
    const settled = promise.then(
      () => undefined,
      (error: unknown) => report(error), // the message comes back after its visibility
    );
    settling.add(settled);
    void settled.finally(() => settling.delete(settled));
  };
  const lostOn = (delivery: Delivery<T>, what: string): DeliveryLostError =>
    new DeliveryLostError(
      `${what} of message ${delivery.id} found its visibility ended: it went back to the queue ` +
        'and may be processed twice',
      host.context,
    );

  const start = (delivery: Delivery<T>, since: number): void => {
    const job: Job<T> = {
      delivery,
      controller: new AbortController(),
      started: since,
      lost: false,
      extending: false,
    };
    jobs.add(job);
    const end = (): boolean => {
      jobs.delete(job);
      const next = signal?.aborted ? undefined : ahead.shift();
      if (next !== undefined) start(next.delivery, next.since);
      notify();
      return !job.lost; // given up (lost, or handed back): nothing to settle
    };
    void (async () => {
      try {
        await handler(delivery.value, delivery, job.controller.signal);
      } catch (error) {
        if (!end()) return;
        track(
          settler.nack(delivery, { error: errorText(error) }).then((held) => {
            if (!held) report(lostOn(delivery, 'the nack'));
          }),
        );
        return;
      }
      if (!end()) return;
      if (direct || host.settings.partitions > 1) {
        track(settler.ack(delivery).then((held) => held || report(lostOn(delivery, 'the ack'))));
        return;
      }
      finished.push({ id: delivery.id, receipt: delivery.receipt, delivery });
    })();
  };

  const renewal = options.renew ? startRenewal(host, jobs, options.visibility, report) : undefined;
  let fatal: unknown;
  try {
    while (!signal?.aborted) {
      // Up to `concurrency` running and as many taken ahead, so handlers keep running while a
      // cycle is on its way.
      const count = Math.max(0, 2 * options.concurrency - jobs.size - ahead.length);
      if (count === 0 && finished.length === 0) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            signal?.removeEventListener('abort', wake);
            nudge = undefined;
            resolve();
          };
          nudge = wake;
          signal?.addEventListener('abort', wake, { once: true });
        });
        // Let the other handlers that finish in this turn join the next cycle's acks.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const acks = finished;
      finished = [];
      const most = recheck(host);
      const step = (): ReturnType<typeof cycle<T>> =>
        cycle(host, settler, host.nextPartition(), {
          visibility: options.visibility,
          count,
          flag: count > 0 ? flagFor(most) : 0,
          acks,
        });
      let got: Awaited<ReturnType<typeof cycle<T>>> | undefined;
      try {
        got = await withRecovery(step, options, signal);
      } finally {
        acks.forEach((ack, i) => {
          if (got === undefined)
            track(settler.ack(ack.delivery)); // not sent, or unknown
          else if (!got.acked[i]) report(lostOn(ack.delivery, 'the ack'));
        });
      }
      if (got === undefined) break; // aborted
      const since = performance.now();
      for (const delivery of got.deliveries) {
        if (signal?.aborted) track(settler.release(delivery));
        else if (jobs.size < options.concurrency) start(delivery, since);
        else ahead.push({ delivery, since });
      }
      if (got.deliveries.length > 0 || count === 0 || finished.length > 0) continue;
      direct = true;
      try {
        await waitForWake(host, blockTime(most, got.wait), signal).catch((error: unknown) => {
          if (signal?.aborted) return;
          if (!isPassing(error)) throw error;
          report(error); // the next cycle reconnects (with pauses) or fails for good
        });
      } finally {
        direct = false;
      }
    }
  } catch (error) {
    fatal = error;
  }
  direct = true;
  for (const { delivery } of ahead.splice(0)) track(settler.release(delivery));
  for (const ack of finished) track(settler.ack(ack.delivery));
  finished = [];
  await shutdown(host, jobs, settler, options.grace, track);
  renewal?.stop();
  while (settling.size > 0) await Promise.all(settling);
  if (fatal !== undefined) throw fatal;
}

/** Waits for the jobs up to `grace` ms, then hands the unfinished ones back at once. */
async function shutdown<T>(
  host: QueueHost<T>,
  jobs: Set<Job<T>>,
  settler: Settler<T>,
  grace: number,
  track: (promise: Promise<unknown>) => void,
): Promise<void> {
  const deadline = performance.now() + grace;
  while (jobs.size > 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(10, grace)));
  }
  for (const job of [...jobs]) {
    job.lost = true;
    jobs.delete(job);
    job.controller.abort(
      new DeliveryLostError(
        `message ${job.delivery.id}: handed back after the grace period`,
        host.context,
      ),
    );
    track(settler.release(job.delivery));
  }
}

/** The text a nack keeps of a handler's failure. */
export function errorText(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
