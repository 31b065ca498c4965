import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '../../../src/index.js';
import type { Lease } from '../../../src/models/semaphore/lease.js';
import { Semaphore } from '../../../src/models/semaphore/semaphore.js';
import { now, worker } from './ipc.js';

/**
 * A Semaphore worker process for spec/faults/semaphore.spec.ts, in one of two modes:
 * - `contend` (run by `runWorkers`, the protocol of ipc.ts): acquires the semaphore
 *   `acquisitions` times with random weights, holding each for a moment, and returns each hold;
 * - `hold` / `wait` (forked by the spec itself, which then SIGKILLs it): takes `weight` permits
 *   (`hold`: at once; `wait`: waiting in the queue for them), reports `held` with when it sent the
 *   acquisition, and stays until killed.
 */

/** What the parent passes in argv[2]. */
export type SemaphoreJob =
  | {
      readonly mode: 'contend';
      readonly url: string;
      readonly key: string;
      readonly permits: number;
      readonly acquisitions: number;
      /** Weights are drawn from 1..maxWeight. */
      readonly maxWeight: number;
      readonly ttl: number;
      readonly wait: number;
    }
  | {
      readonly mode: 'hold' | 'wait';
      readonly url: string;
      readonly key: string;
      readonly permits: number;
      readonly weight: number;
      readonly ttl: number;
    };

/**
 * One hold: its fencing token, weight, and when it started (after the acquisition returned) and
 * ended (before the release was sent), on the system-wide monotonic clock (ns, decimal strings).
 */
export type Hold = [fence: number, weight: number, start: string, end: string];

/** What a `contend` worker returns. */
export interface ContendResult {
  readonly holds: Hold[];
}

/** What a `hold` / `wait` worker sends to the parent. */
export type HolderReport =
  | { type: 'ready' }
  | { type: 'held'; fence: number; sent: string }
  | { type: 'error'; message: string };

const job = JSON.parse(process.argv[2]) as SemaphoreJob;

/** The worker's Connection and Semaphore classes. */
function classes(): { Main: typeof Connection; semaphore: Semaphore } {
  class Main extends Connection {
    static override MASTER = job.url;
  }
  class Slots extends Semaphore {
    static override CONNECTION = Main;
    static override PERMITS = job.permits;
  }
  return { Main, semaphore: new Slots(job.key) };
}

if (job.mode === 'contend') {
  worker<SemaphoreJob, ReturnType<typeof classes>, ContendResult>(
    async () => {
      const made = classes();
      await made.semaphore.available(); // connected before the start
      return made;
    },
    async ({ Main, semaphore }) => {
      if (job.mode !== 'contend') throw new Error('not a contend job');
      const holds: Hold[] = [];
      /** The critical section: a short random pause, timed. */
      const hold = async (lease: Lease): Promise<void> => {
        const start = now();
        await sleep(Math.random() * 3);
        holds.push([lease.fence, lease.weight, start, now()]);
      };
      for (let i = 0; i < job.acquisitions; i++) {
        const weight = 1 + Math.floor(Math.random() * job.maxWeight);
        const options = { weight, ttl: job.ttl, wait: job.wait };
        if (i % 2 === 0) {
          await semaphore.using(async (signal, lease) => {
            await hold(lease);
            if (signal.aborted) throw new Error(`lease lost during hold ${lease.fence}`);
          }, options);
        } else {
          const lease = await semaphore.acquire(options);
          if (lease === null) throw new Error(`not acquired within ${job.wait} ms`);
          await hold(lease);
          if (!(await lease.release())) throw new Error(`lease ${lease.fence} lost`);
        }
      }
      await Main.close();
      return { holds };
    },
  );
} else {
  const send = (message: HolderReport): Promise<void> =>
    new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
  void (async () => {
    try {
      const { semaphore } = classes();
      await semaphore.available();
      await send({ type: 'ready' });
      const sent = now();
      const wait = job.mode === 'wait' ? 60_000 : 0;
      const lease = await semaphore.acquire({ weight: job.weight, ttl: job.ttl, wait });
      if (lease === null) throw new Error('not acquired');
      await send({ type: 'held', fence: lease.fence, sent });
      await sleep(600_000); // never released: the parent kills this process
    } catch (error) {
      await send({ type: 'error', message: String(error) });
      process.exit(1);
    }
  })();
}
