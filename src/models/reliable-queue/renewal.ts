import { DeliveryLostError } from './errors.js';
import type { QueueHost } from './host.js';
import type { Delivery } from './delivery.js';

/**
 * Renewal of a worker's deliveries: one timer for the whole worker (not one per job) extends
 * each delivery whose handler has run for a third of its visibility since it was delivered or
 * last extended; a delivery found lost aborts its handler's signal.
 *
 * @internal
 * @module
 */

/** A handler of a worker, at work. */
export interface Job<T> {
  readonly delivery: Delivery<T>;
  /** When its delivery was taken (`performance.now()`): its visibility runs from then. */
  readonly started: number;
  /** Given up: its delivery was lost, or handed back after the grace period (nothing to settle). */
  lost: boolean;
  /** An extension of this delivery is on its way. */
  extending: boolean;
}

/** Starts renewing the deliveries of `jobs` (the running handlers); `stop()` ends it. */
export function startRenewal<T>(
  host: QueueHost<T>,
  jobs: ReadonlySet<Job<T>>,
  visibility: number,
  report: (error: unknown) => void,
): { stop(): void } {
  const renewed = new WeakMap<Job<T>, number>(); // when each was last extended
  const tick = (): void => {
    const now = performance.now();
    for (const job of jobs) {
      const since = renewed.get(job) ?? job.started;
      if (job.extending || now - since < job.delivery.visibility / 3) continue;
      job.extending = true;
      job.delivery.extend().then(
        (held) => {
          job.extending = false;
          if (held) {
            renewed.set(job, now);
            return;
          }
          if (job.lost || !jobs.has(job)) return;
          job.lost = true;
          const error = new DeliveryLostError(
            `message ${job.delivery.id}: its visibility ended before the handler finished`,
            host.context,
          );
          job.delivery.abandon(error);
          report(error);
        },
        (error: unknown) => {
          job.extending = false;
          report(error); // the next tick tries again; the visibility is still running
        },
      );
    }
  };
  const period = Math.max(5, Math.floor(Math.min(visibility, 30_000) / 12));
  const timer = setInterval(tick, period);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
