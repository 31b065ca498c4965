import { performance } from 'node:perf_hooks';
import { check } from '../types.js';
import {
  checkDrained,
  chunks,
  CONCURRENCY,
  JOBS,
  makeJobs,
  queueModels,
  Tally,
  workerSignal,
  type QueueEnv,
} from './jobs.js';
import type { Contestant } from './rounds.js';

/**
 * The redisext contestants of the queue workloads: a `ReliableQueue` worker (`process()`), a
 * `ReliableQueue` used by hand (`pop()` + `ack()`), and the plain `Queue` (`LPUSH` / `RPOP`).
 * Each run uses a new queue key (handles are cheap); the Connection stays open across runs.
 *
 * @module
 */

/** Runs `consume` from {@link CONCURRENCY} loops until each has found the queue empty. */
async function consumers(consume: () => Promise<boolean>): Promise<void> {
  const loop = async (): Promise<void> => {
    while (await consume());
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
}

/**
 * End to end with `ReliableQueue`: `pushMany` in chunks, one after another, then
 * `process(handler, { concurrency: 10, signal })` with a handler that only notes the job; the
 * signal aborts once every job was seen, and `process()` resolves when the last acks are done.
 * Phases: `push`, `process`.
 */
export function reliableWorker(env: QueueEnv): Contestant {
  const { Jobs } = queueModels(env.connection);
  const label = 'redisext ReliableQueue';
  let serial = 0;
  return {
    id: 'redisext',
    label,
    async run() {
      const queue = new Jobs(`rq-e2e:${serial++}`);
      const batches = chunks(makeJobs(JOBS));
      const tally = new Tally(JOBS);
      const stop = new AbortController();
      const failures: Error[] = [];
      const t0 = performance.now();
      for (const batch of batches) {
        const ids = await queue.pushMany(batch);
        check(ids.length === batch.length, () => `${label}: pushMany gave ${ids.length} ids`);
      }
      const t1 = performance.now();
      await queue.process(
        async (job) => {
          if (tally.add(job.n)) stop.abort();
        },
        { concurrency: CONCURRENCY, signal: workerSignal(stop), onError: (e) => failures.push(e) },
      );
      const t2 = performance.now();
      tally.check(label, false);
      check(failures.length === 0, () => `${label}: ${failures[0]?.message}`);
      const stats = await queue.stats();
      const left = stats.waiting + stats.delayed + stats.inflight + stats.dead;
      check(left === 0, () => `${label}: stats after the run ${JSON.stringify(stats)}`);
      await checkDrained(env.server, queue.key, label);
      return { push: t1 - t0, process: t2 - t1 };
    },
  };
}

/**
 * `ReliableQueue` by hand: `pushMany` in chunks, then 10 consumers each looping `pop()` (no
 * wait) + `ack()` until a pop finds nothing. Phases: `push`, `pop`.
 */
export function reliableByHand(env: QueueEnv): Contestant {
  const { Jobs } = queueModels(env.connection);
  const label = 'redisext ReliableQueue';
  let serial = 0;
  return {
    id: 'redisext',
    label,
    async run() {
      const queue = new Jobs(`rq-price:${serial++}`);
      const batches = chunks(makeJobs(JOBS));
      const tally = new Tally(JOBS);
      const t0 = performance.now();
      for (const batch of batches) await queue.pushMany(batch);
      const t1 = performance.now();
      const { waiting } = await queue.stats();
      check(waiting === JOBS, () => `${label}: ${waiting} waiting after ${JOBS} pushes`);
      const t2 = performance.now();
      await consumers(async () => {
        const delivery = await queue.pop();
        if (delivery === null) return false;
        tally.add(delivery.value.n);
        check(await delivery.ack(), () => `${label}: the ack of ${delivery.id} found it gone`);
        return true;
      });
      const t3 = performance.now();
      tally.check(label, true);
      await checkDrained(env.server, queue.key, label);
      return { push: t1 - t0, pop: t3 - t2 };
    },
  };
}

/**
 * The plain `Queue` (at-most-once: an item popped by a consumer that crashes is lost): variadic
 * `push(...chunk)` (one `LPUSH`) in chunks, then 10 consumers each looping `pop()` (`RPOP`)
 * until it finds nothing. Phases: `push`, `pop`.
 */
export function plainQueue(env: QueueEnv): Contestant {
  const { PlainJobs } = queueModels(env.connection);
  const label = 'redisext Queue (at-most-once)';
  let serial = 0;
  return {
    id: 'queue',
    label,
    async run() {
      const queue = new PlainJobs(`queue-price:${serial++}`);
      const batches = chunks(makeJobs(JOBS));
      const tally = new Tally(JOBS);
      const t0 = performance.now();
      for (const batch of batches) await queue.push(...batch);
      const t1 = performance.now();
      const size = await queue.size();
      check(size === JOBS, () => `${label}: ${size} items after ${JOBS} pushes`);
      const t2 = performance.now();
      await consumers(async () => {
        const job = await queue.pop();
        if (job === null) return false;
        tally.add(job.n);
        return true;
      });
      const t3 = performance.now();
      tally.check(label, true);
      const left = await queue.size();
      check(left === 0, () => `${label}: ${left} items left`);
      return { push: t1 - t0, pop: t3 - t2 };
    },
  };
}
