import { relay } from '../blocking-options.js';
import { withRecovery, type Recovery } from './consume.js';
import type { Delivery, Settler } from './delivery.js';
import { DeliveryLostError } from './errors.js';
import type { QueueHost } from './host.js';
import { popWaiting } from './wait.js';

/**
 * `ReliableQueue.process()`: a worker. One fetch loop takes as many messages as there are free
 * handler slots in one pop script and waits (one blocking connection) when none are ready;
 * each handler's delivery is renewed while it runs, acked when it resolves, nacked with its
 * error when it throws. After the signal aborts, no message is taken; running handlers get
 * `grace` ms to finish, then their messages go back to the queue at once (first in line).
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

/** A handler at work. */
interface Job<T> {
  readonly delivery: Delivery<T>;
  readonly controller: AbortController;
  readonly done: Promise<void>;
  settled: boolean;
}

/** Runs the worker until `options.signal` aborts and the handlers are done or released. */
export async function work<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  handler: Handler<T>,
  options: WorkerOptions,
): Promise<void> {
  const signal = relay(options.signal);
  const jobs = new Set<Job<T>>();
  let slotFree: (() => void) | undefined;
  const report = (error: unknown): void => {
    if (error instanceof Error) options.onError?.(error);
  };

  const start = (delivery: Delivery<T>): void => {
    const controller = new AbortController();
    const job: Job<T> = { delivery, controller, done: Promise.resolve(), settled: false };
    const renewal = options.renew ? renewLoop(host, delivery, controller, report) : undefined;
    (job as { done: Promise<void> }).done = (async () => {
      let failure: unknown;
      let failed = false;
      try {
        await handler(delivery.value, delivery, controller.signal);
      } catch (error) {
        failed = true;
        failure = error;
      }
      if (renewal !== undefined) clearTimeout(renewal.timer);
      job.settled = true;
      if (controller.signal.aborted && controller.signal.reason instanceof DeliveryLostError) {
        return; // lost or released: nothing to settle
      }
      try {
        const held = failed
          ? await settler.nack(delivery, { error: errorText(failure) })
          : await settler.ack(delivery);
        if (!held) report(lost(host, delivery, failed ? 'nack' : 'ack'));
      } catch (error) {
        report(error); // the message comes back after its visibility
      }
    })().finally(() => {
      jobs.delete(job);
      slotFree?.();
    });
    jobs.add(job);
  };

  let fatal: unknown;
  while (!signal?.aborted) {
    if (jobs.size >= options.concurrency) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        slotFree = wake;
        signal?.addEventListener('abort', wake, { once: true });
      });
      slotFree = undefined;
      continue;
    }
    try {
      const count = options.concurrency - jobs.size;
      const fetch = (): Promise<Delivery<T>[]> =>
        popWaiting(host, settler, { visibility: options.visibility, timeout: 0, count, signal });
      const got = await withRecovery(fetch, options, signal);
      for (const delivery of got ?? []) {
        if (signal?.aborted) await release(settler, delivery, report);
        else start(delivery);
      }
    } catch (error) {
      if (signal?.aborted) break;
      fatal = error;
      break;
    }
  }
  await shutdown(host, jobs, settler, options.grace, report);
  if (fatal !== undefined) throw fatal;
}

/** Extends the delivery every third of its visibility; aborts the job when it is lost. */
function renewLoop<T>(
  host: QueueHost<T>,
  delivery: Delivery<T>,
  controller: AbortController,
  report: (error: unknown) => void,
): { timer: NodeJS.Timeout | undefined } {
  const state: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
  const arm = (): void => {
    state.timer = setTimeout(
      () => {
        delivery.extend().then(
          (held) => {
            if (held) arm();
            else {
              const error = new DeliveryLostError(
                `message ${delivery.id}: its visibility ended before the handler finished`,
                host.context,
              );
              controller.abort(error);
              report(error);
            }
          },
          (error: unknown) => {
            report(error); // the next renewal may succeed; the visibility is still running
            arm();
          },
        );
      },
      Math.max(1, Math.floor(delivery.visibility / 3)),
    );
    state.timer.unref();
  };
  arm();
  return state;
}

/** Waits for the jobs up to `grace` ms, then hands the unfinished ones back at once. */
async function shutdown<T>(
  host: QueueHost<T>,
  jobs: Set<Job<T>>,
  settler: Settler<T>,
  grace: number,
  report: (error: unknown) => void,
): Promise<void> {
  if (jobs.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
  await Promise.race([Promise.all([...jobs].map((job) => job.done)), graceOver]);
  clearTimeout(timer);
  const unfinished = [...jobs].filter((job) => !job.settled);
  await Promise.all(
    unfinished.map(async (job) => {
      job.controller.abort(
        new DeliveryLostError(
          `message ${job.delivery.id}: handed back after the grace period`,
          host.context,
        ),
      );
      await release(settler, job.delivery, report);
    }),
  );
}

/** Hands a delivery back: first in line, the attempt not counted. */
async function release<T>(
  settler: Settler<T>,
  delivery: Delivery<T>,
  report: (error: unknown) => void,
): Promise<void> {
  await settler.release(delivery).catch(report);
}

/** The text a nack keeps of a handler's failure. */
export function errorText(error: unknown): string {
  const text =
    error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`;
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function lost<T>(host: QueueHost<T>, delivery: Delivery<T>, what: string): DeliveryLostError {
  return new DeliveryLostError(
    `${what} of message ${delivery.id} found its visibility ended: it went back to the queue ` +
      'and may be processed twice',
    host.context,
  );
}
