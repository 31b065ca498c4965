import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { check, WrongResult } from '../types.js';
import {
  chunks,
  CONCURRENCY,
  GIVE_UP_MS,
  JOBS,
  makeJobs,
  Tally,
  type Job,
  type QueueEnv,
} from './jobs.js';
import type { Contestant } from './rounds.js';

/**
 * BullMQ, the end-to-end contender: `Queue.addBulk` in chunks, then a `Worker` with
 * `concurrency: 10`, on ioredis connections to the same server.
 *
 * @module
 */

/** Its keys start with this, so the suite's cleaning (`*bench:*`) deletes them. */
const PREFIX = 'bench:bull';

/** ioredis options for the server at `url` (`maxRetriesPerRequest: null`, as BullMQ asks). */
function connectionOf(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: Number(u.pathname.slice(1) || 0),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    connectionName: 'bench-bullmq',
    maxRetriesPerRequest: null,
  };
}

/**
 * End to end with BullMQ. Each run makes a new queue and a worker (not yet running) and waits
 * until both are connected, untimed; then times `addBulk` of chunks of 1,000, one after
 * another, then the worker, from `run()` until the `completed` event (emitted once a job is
 * moved to completed: the ack) of the last job. Jobs are added with `removeOnComplete: true`:
 * like an acked ReliableQueue message, a completed job leaves nothing behind. The processor
 * does nothing; the stalled-job check and lock renewal keep their defaults (they run every
 * 30 s and 15 s, so about once per run). Phases: `push`, `process`.
 */
export function bullmqWorker(env: QueueEnv): Contestant {
  const connection = connectionOf(env.server.url);
  const label = 'BullMQ (removeOnComplete)';
  let serial = 0;
  return {
    id: 'bullmq',
    label,
    async run() {
      const name = `e2e-${serial++}`;
      const queue = new Queue<Job>(name, {
        connection,
        prefix: PREFIX,
        defaultJobOptions: { removeOnComplete: true },
      });
      const tally = new Tally(JOBS);
      const worker = new Worker<Job>(name, async () => undefined, {
        connection,
        prefix: PREFIX,
        concurrency: CONCURRENCY,
        autorun: false,
      });
      try {
        await queue.waitUntilReady();
        await worker.waitUntilReady();
        let limit: NodeJS.Timeout | undefined;
        const done = new Promise<void>((resolve, reject) => {
          worker.on('completed', (job) => {
            if (tally.add(job.data.n)) resolve();
          });
          worker.on('failed', (_job, error) =>
            reject(new WrongResult(`${label}: job failed: ${error.message}`)),
          );
          worker.on('error', reject);
          limit = setTimeout(resolve, GIVE_UP_MS); // then the tally's check fails
        });
        done.catch(() => undefined); // awaited below; a failure while pushing must not go unhandled
        const batches = chunks(makeJobs(JOBS));
        const t0 = performance.now();
        for (const batch of batches) {
          const added = await queue.addBulk(batch.map((data) => ({ name: 'job', data })));
          check(added.length === batch.length, () => `${label}: addBulk added ${added.length}`);
        }
        const t1 = performance.now();
        const stopped = worker.run().then(() => {
          throw new WrongResult(`${label}: the worker stopped before the last job`);
        });
        stopped.catch(() => undefined); // it rejects (later) in every case: handled by the race
        await Promise.race([done, stopped]).finally(() => clearTimeout(limit));
        const t2 = performance.now();
        await worker.close();
        tally.check(label, false);
        const counts = await queue.getJobCounts();
        const left = Object.entries(counts).filter(([, n]) => n > 0);
        check(left.length === 0, () => `${label}: jobs left after the run ${JSON.stringify(left)}`);
        return { push: t1 - t0, process: t2 - t1 };
      } finally {
        await worker.close();
        await queue.close();
      }
    },
  };
}
