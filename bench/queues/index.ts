import { performance } from 'node:perf_hooks';
import type { BenchConfig } from '../config.js';
import type { WorkloadResult } from '../results.js';
import type { BenchServer } from '../server.js';
import { bullmqWorker } from './bullmq.js';
import { CONCURRENCY, connectionTo, JOBS, type QueueEnv } from './jobs.js';
import { rqMemory, type RqMemoryResult } from './memory.js';
import { plainQueue, reliableByHand, reliableWorker } from './redisext.js';
import { runQueueWorkload, type QueueWorkload } from './rounds.js';

/**
 * The reliable-queue section of the suite: ReliableQueue end to end against BullMQ, the price
 * of its reliability against the plain Queue, and what the server keeps after 100,000 messages.
 * Each workload gives every contender the same fixed work per round (see ./rounds.ts).
 *
 * @module
 */

export type { RqMemoryResult } from './memory.js';

const N = JOBS.toLocaleString('en');

/** Push 20,000 jobs, then consume them with 10 handlers: ReliableQueue vs BullMQ. */
export const rqEndToEnd: QueueWorkload = {
  id: 'rq-e2e',
  title: `ReliableQueue vs BullMQ: push ${N} jobs, then process them, ${CONCURRENCY} handlers`,
  unit: 'job',
  units: JOBS,
  concurrency: CONCURRENCY,
  rows: [
    {
      id: 'rq-e2e',
      title: `ReliableQueue vs BullMQ: push ${N} jobs + process them, ${CONCURRENCY} handlers`,
      phases: ['push', 'process'],
    },
    {
      id: 'rq-e2e-push',
      title: `  the push alone (pushMany / addBulk of 1,000 jobs)`,
      phases: ['push'],
    },
    {
      id: 'rq-e2e-process',
      title: `  the processing alone (handlers do nothing; ack each)`,
      phases: ['process'],
    },
  ],
  note:
    'rq-e2e: BullMQ jobs are added with removeOnComplete: true (a completed job leaves ' +
    'nothing behind, as an acked ReliableQueue message), its stalled check and lock renewal ' +
    'at their defaults; each run ends when the last job is acked (ReliableQueue: process() ' +
    'resolved after its signal aborted; BullMQ: the last "completed" event).',
  contestants: (env) => [reliableWorker(env), bullmqWorker(env)],
};

/** The price of reliability: ReliableQueue pushes and pop + ack vs the plain Queue's. */
export const rqPrice: QueueWorkload = {
  id: 'rq-price',
  title: `ReliableQueue vs Queue: push ${N} items, then pop (+ ack) them, ${CONCURRENCY} consumers`,
  unit: 'item',
  units: JOBS,
  concurrency: CONCURRENCY,
  rows: [
    {
      id: 'rq-price-push',
      title: `ReliableQueue vs Queue: push ${N} items, 1,000 per call`,
      phases: ['push'],
    },
    {
      id: 'rq-price-pop',
      title: `ReliableQueue vs Queue: pop (+ ack) until empty, ${CONCURRENCY} consumers`,
      phases: ['pop'],
    },
  ],
  note:
    'rq-price: informational (no target): ours is ReliableQueue (pushMany; pop() then ' +
    'ack()), the other the plain Queue (push(...items): one LPUSH; pop(): one RPOP, ' +
    'at-most-once).',
  contestants: (env) => [reliableByHand(env), plainQueue(env)],
};

/** The throughput workloads of the section, in the order they run. */
export const QUEUE_WORKLOADS: readonly QueueWorkload[] = [rqEndToEnd, rqPrice];

/** The id of the ReliableQueue memory workload. */
export const RQ_MEMORY = 'rq-memory';

/** Messages the memory workload pushes through the queue. */
export const RQ_MEMORY_MESSAGES = 100_000;

/** What the section measured. */
export interface QueueSection {
  readonly workloads: WorkloadResult[];
  readonly memory?: RqMemoryResult;
}

/**
 * Runs the selected queue workloads (on a Connection class of their own, closed at the end),
 * then the memory workload when `memory`.
 */
export async function runQueues(
  server: BenchServer,
  workloads: readonly QueueWorkload[],
  memory: boolean,
  config: BenchConfig,
  log: (message: string) => void,
): Promise<QueueSection> {
  const results: WorkloadResult[] = [];
  if (workloads.length > 0) {
    const env: QueueEnv = { server, connection: connectionTo(server.url, 'bench-rq') };
    try {
      await env.connection.client();
      for (const workload of workloads) {
        const t0 = performance.now();
        const rows = await runQueueWorkload(workload, env, config);
        results.push(...rows);
        const seconds = ((performance.now() - t0) / 1000).toFixed(1);
        const main = rows[0].subjects.map((s) => `${s.label} ${Math.round(s.median)}`);
        log(`${workload.id} (${seconds} s): ${rows[0].id} ${main.join(', ')} ${workload.unit}s/s`);
      }
    } finally {
      await env.connection.close();
    }
  }
  if (!memory) return { workloads: results };
  log(
    `${RQ_MEMORY}: ${RQ_MEMORY_MESSAGES.toLocaleString('en')} messages through a ReliableQueue...`,
  );
  return { workloads: results, memory: await rqMemory(server, RQ_MEMORY_MESSAGES) };
}
