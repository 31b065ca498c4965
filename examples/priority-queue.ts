/**
 * PriorityQueue: render jobs taken by priority (the lowest number first): `push` and `pushMany`,
 * pushing a queued job again to change its priority, `peek` and `priorityOf`, `pop` until empty,
 * and a worker blocked in `pop({ timeout })` woken by an urgent job pushed meanwhile.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/priority-queue.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, PriorityQueue, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** A render job. */
export interface RenderJob {
  id: string;
  kind: 'thumbnail' | 'invoice' | 'report' | 'email';
}

/** What the job queue showed. */
export interface PriorityReport {
  /** Jobs queued, and whether pushing the report again queued a second copy (no: re-prioritised). */
  queued: number;
  duplicated: boolean;
  /** The next job and the thumbnail's priority, before any pop. */
  next: RenderJob | null;
  thumbnailPriority: number | null;
  /** Job ids in the order the worker took them. */
  order: string[];
  /** The job a waiting worker got when it was pushed 50 ms into the wait. */
  woken: RenderJob | null;
}

/** The example's model on one Connection, under `prefix`. */
export function priorityModels(connection: typeof Connection, prefix: string) {
  /** One queue per pipeline: the key `<prefix>:jobs:<name>`, JSON jobs scored by priority. */
  class RenderJobs extends PriorityQueue<RenderJob> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = `${prefix}:jobs`;
  }
  return { RenderJobs };
}

/** Queues and takes jobs by priority under `prefix`. */
export async function jobsByPriority(
  connection: typeof Connection,
  prefix: string,
): Promise<PriorityReport> {
  const { RenderJobs } = priorityModels(connection, prefix);
  const jobs = new RenderJobs('render');
  const report: RenderJob = { id: 'j3', kind: 'report' };
  await jobs.push({ id: 'j1', kind: 'thumbnail' }, 5);
  const queued =
    1 +
    (await jobs.pushMany([
      [{ id: 'j2', kind: 'invoice' }, 1],
      [report, 10],
      [{ id: 'j4', kind: 'email' }, 3],
    ]));
  // The boss wants the report first: the same job pushed again only changes its priority.
  const duplicated = await jobs.push(report, 0);
  const next = await jobs.peek();
  const thumbnailPriority = await jobs.priorityOf({ id: 'j1', kind: 'thumbnail' });
  const order: string[] = [];
  for (let job = await jobs.pop(); job !== null; job = await jobs.pop()) order.push(job.id);
  // The queue is empty: a worker waits (on its own connection) until an urgent job comes.
  const waiting = jobs.pop({ timeout: 5_000 });
  await sleep(50);
  await jobs.push({ id: 'j5', kind: 'invoice' }, 0);
  const woken = await waiting;
  return { queued, duplicated, next, thumbnailPriority, order, woken };
}

runExample(import.meta.url, (main) => jobsByPriority(main, `example:${Date.now()}`));
