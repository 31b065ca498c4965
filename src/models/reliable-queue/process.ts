import { isPassing } from '../../core/errors.js';
import { relay } from '../blocking-options.js';
import { withRecovery, type RecoveryOptions } from './consume.js';
import type { Delivery, Settler } from './delivery.js';
import { DeliveryLostError } from './errors.js';
import type { QueueHost } from './host.js';
import { cycle, type AckRef, type Cycle } from './pop.js';
import { startRenewal, type Job } from './renewal.js';
import { blockTime, flagFor, recheck, waitForWake } from './wait.js';

/**
 * `ReliableQueue.process()`: a worker. It runs **cycles**: one pop script that acks the
 * deliveries whose handlers finished since the last cycle and takes messages for the free
 * handler slots and as many again taken ahead, so a busy worker sends one script per cycle,
 * not one per ack and one per pop. Two cycles may be on their way at once, so handlers keep
 * running while one is. When nothing is ready it blocks (one connection) until a push or the
 * next due message; acks of handlers that finish meanwhile go out on their own. A handler that
 * throws is nacked with its error. Deliveries are renewed while their handlers run. After the
 * signal aborts, no message is taken; running handlers get `grace` ms to finish, then their
 * messages go back to the queue at once (first in line).
 *
 * @internal
 * @module
 */

/**
 * A message handler: gets the message and its delivery (whose `signal` aborts when the
 * delivery is given up). What it returns (or resolves to) is ignored; a throw is a failure.
 */
export type Handler<T> = (value: T, delivery: Delivery<T>) => unknown;

/** The checked options of process(). */
export interface WorkerOptions extends RecoveryOptions {
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

/** Cycles on their way at most. */
const DEPTH = 2;

/** Runs the worker until `options.signal` aborts and the handlers are done or released. */
export async function work<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  handler: Handler<T>,
  options: WorkerOptions,
): Promise<void> {
  const signal = relay(options.signal);
  const { concurrency, visibility } = options;
  const report = (error: unknown): void => {
    if (error instanceof Error) options.onError?.(error);
  };
  const jobs = new Set<Job<T>>();
  const settling = new Set<Promise<void>>(); // acks, nacks and releases on their way
  let finished: Finished<T>[] = [];
  /** Deliveries taken ahead (at most `concurrency`), started as handler slots free up. */
  const ahead: Array<{ delivery: Delivery<T>; since: number }> = [];
  let direct = false; // acks go out on their own (while the loop blocks, and after it ended)
  let inFlight = 0; // cycles on their way
  let requested = 0; // messages they may bring
  let empty = false; // the last cycle that asked for messages found none ready
  let due = -1; // what it said of the next due message (ms; -1: none)
  let fatal: unknown;
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
    const job: Job<T> = { delivery, started: since, lost: false, extending: false };
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
        await handler(delivery.value, delivery);
      } catch (error) {
        if (!end()) return;
        const nacked = settler.nack(delivery, { error: errorText(error) });
        track(nacked.then((held) => held || report(lostOn(delivery, 'the nack'))));
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

  /** Sends one cycle: the finished deliveries' acks, and a pop for the room left. */
  const launch = (): void => {
    const acks = finished;
    finished = [];
    const stopping = signal?.aborted === true || fatal !== undefined;
    const count = stopping
      ? 0
      : Math.max(0, 2 * concurrency - jobs.size - ahead.length - requested);
    inFlight += 1;
    requested += count;
    const flag = count > 0 ? flagFor(recheck(host)) : 0;
    const step = (): Promise<Cycle<T>> =>
      cycle(host, settler, host.nextPartition(), { visibility, count, flag, acks });
    void withRecovery(step, options, signal)
      .then(
        (got) => arrived(acks, count, got),
        (error: unknown) => {
          fatal ??= error;
          arrived(acks, count, undefined);
        },
      )
      .finally(() => {
        inFlight -= 1;
        requested -= count;
        notify();
      });
  };

  /** What a cycle brought: its acks' outcomes, and deliveries to start or keep ahead. */
  const arrived = (acks: Finished<T>[], count: number, got: Cycle<T> | undefined): void => {
    acks.forEach((ack, i) => {
      if (got === undefined)
        track(settler.ack(ack.delivery)); // not sent, or unknown
      else if (!got.acked[i]) report(lostOn(ack.delivery, 'the ack'));
    });
    if (got === undefined) return;
    const since = performance.now();
    for (const delivery of got.deliveries) {
      if (signal?.aborted || fatal !== undefined) track(settler.release(delivery));
      else if (jobs.size < concurrency) start(delivery, since);
      else ahead.push({ delivery, since });
    }
    if (count > 0) {
      empty = got.deliveries.length === 0;
      due = got.wait;
    }
  };

  /** Resolves at the next notify() or abort, then lets this turn's other finishers join. */
  const nudged = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', wake);
        nudge = undefined;
        resolve();
      };
      nudge = wake;
      signal?.addEventListener('abort', wake, { once: true });
    });
    await new Promise((resolve) => setImmediate(resolve));
  };

  const renewal = options.renew ? startRenewal(host, jobs, visibility, report) : undefined;
  while (!signal?.aborted && fatal === undefined) {
    const room = 2 * concurrency - jobs.size - ahead.length - requested;
    if (inFlight < DEPTH && (finished.length > 0 || (room > 0 && !empty))) {
      launch();
      continue;
    }
    if (inFlight > 0 || !empty) {
      await nudged();
      continue;
    }
    direct = true; // nothing ready: wait for a push or the next due message
    try {
      await waitForWake(host, blockTime(recheck(host), due), signal);
    } catch (error) {
      if (!signal?.aborted && !isPassing(error)) fatal = error;
      else if (!signal?.aborted) report(error); // the next cycle reconnects, or fails for good
    } finally {
      direct = false;
    }
    empty = false;
  }
  while (inFlight > 0) await nudged();
  direct = true;
  for (const { delivery } of ahead.splice(0)) track(settler.release(delivery));
  for (const ack of finished.splice(0)) track(settler.ack(ack.delivery));
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
    job.delivery.abandon(
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
