/**
 * Limits and slots: a RateLimiter in front of an API (5 requests a second, 20 a minute, checked
 * together) and a Semaphore that lets two jobs at a time use a scarce resource, served in
 * arrival order, each with its fencing token.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/limits-and-slots.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, RateLimiter, Semaphore } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the rate-limited burst did. */
export interface LimitReport {
  /** Requests of the burst let through, and refused. */
  allowed: number;
  denied: number;
  /** The first refusal's advice: retry after this many ms. */
  retryAfter: number;
  /** Whether `wait()` then got a slot, and after how many ms. */
  waited: boolean;
  waitedMs: number;
}

/** What the jobs sharing two slots did. */
export interface SlotReport {
  /** The most jobs that held a slot at once. */
  peak: number;
  /** Jobs in the order they got a slot (they asked in the order 0, 1, 2...; 0 and 1 at once). */
  order: number[];
  /** The fencing token of each job's lease, in the order they got a slot. */
  fences: number[];
}

/** The example's classes, bound to one Connection. */
export function limitsAndSlots(connection: typeof Connection) {
  class ApiLimit extends RateLimiter {
    static override CONNECTION = connection;
    static override PREFIX = 'example:limit';
    static override LIMITS = [
      { rate: 5, per: 1_000 }, // 5 a second, 5 at once
      { rate: 20, per: 60_000 }, // and 20 a minute
    ];
  }
  class Slots extends Semaphore {
    static override CONNECTION = connection;
    static override PREFIX = 'example:slots';
    static override PERMITS = 2;
    static override TTL = 5_000;
  }
  return { ApiLimit, Slots };
}

/** Sends a burst of 8 requests for `user`, then waits (no polling) for one more slot. */
export async function burst(connection: typeof Connection, user: string): Promise<LimitReport> {
  const { ApiLimit } = limitsAndSlots(connection);
  const limit = new ApiLimit(user);
  const answers = await Promise.all(Array.from({ length: 8 }, () => limit.take()));
  const denied = answers.filter((a) => !a.allowed);
  const started = performance.now();
  const waited = await limit.wait({ timeout: 1_000 });
  return {
    allowed: answers.length - denied.length,
    denied: denied.length,
    retryAfter: denied[0]?.retryAfter ?? 0,
    waited,
    waitedMs: Math.round(performance.now() - started),
  };
}

/** Runs `count` jobs of 30 ms that each need one of the 2 slots of `name`. */
export async function jobs(
  connection: typeof Connection,
  name: string,
  count = 6,
): Promise<SlotReport> {
  const { Slots } = limitsAndSlots(connection);
  const slots = new Slots(name);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const fences: number[] = [];
  // The first two jobs get the slots at once and keep them until every other job is queued, so
  // the queue's order is the order the jobs asked in.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const job = (n: number) =>
    slots.using(
      async (signal, lease) => {
        order.push(n);
        fences.push(lease.fence);
        running += 1;
        peak = Math.max(peak, running);
        await gate;
        await sleep(10, undefined, { signal }); // the work; `signal` aborts if the lease is lost
        running -= 1;
      },
      { wait: 10_000 },
    );
  const all: Array<Promise<void>> = [];
  for (let n = 0; n < count; n++) {
    all.push(job(n));
    // Ask in a known order: the next job asks once this one holds a slot or waits in the queue.
    while (order.length + (await slots.waiting()) < n + 1) await sleep(1);
  }
  open();
  await Promise.all(all);
  return { peak, order, fences };
}

runExample(import.meta.url, async (main) => ({
  burst: await burst(main, `user:${Date.now()}`),
  jobs: await jobs(main, `gpu:${Date.now()}`),
}));
