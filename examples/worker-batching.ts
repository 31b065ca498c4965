/**
 * Worker batching: a worker takes jobs from a Queue in batches (`popMany`: one `BLMPOP`),
 * processes them, and records the outcome of each batch in ONE pipeline: per-type Counters, a results HashMap and follow-up jobs.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/worker-batching.js
 */
import { Connection, Counter, HashMap, Queue, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** A unit of work. */
export interface Job {
  id: string;
  type: 'resize' | 'notify' | 'archive';
  size: number;
}

/** What processing a job produced. */
export interface JobResult {
  job: string;
  type: Job['type'];
  output: string;
}

/** What a worker run did. */
export interface WorkerReport {
  processed: number;
  batches: number;
  followUps: number;
  perType: Record<Job['type'], number>;
}

/** The models of the example, bound to one Connection and a namespace. */
export function workerModels(connection: typeof Connection, namespace: string) {
  class Jobs extends Queue<Job> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = namespace;
    static override KEY = 'jobs';
  }
  class Processed extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = `${namespace}:processed`;
  }
  class Results extends HashMap<JobResult> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = namespace;
    static override KEY = 'results';
  }
  return { Jobs, Processed, Results };
}

/** The "work": pure and fast, so the example measures the bookkeeping around it. */
function handle(job: Job): { result: JobResult; followUp?: Job } {
  const output = `${job.type}:${job.id}:${job.size * 2}`;
  // A resize is followed by a notification; a notification by nothing; an archive by nothing.
  const followUp: Job | undefined =
    job.type === 'resize' ? { id: `${job.id}-n`, type: 'notify', size: 1 } : undefined;
  return { result: { job: job.id, type: job.type, output }, followUp };
}

/**
 * Drains the queue: waits up to `idleMs` for a first job, takes up to `batchSize - 1` more in
 * one round trip, processes them, then records everything in one pipeline.
 */
export async function runWorker(
  connection: typeof Connection,
  options: { namespace: string; batchSize?: number; idleMs?: number },
): Promise<WorkerReport> {
  const { Jobs, Processed, Results } = workerModels(connection, options.namespace);
  const batchSize = options.batchSize ?? 50;
  const jobs = new Jobs();
  const results = new Results();
  const report: WorkerReport = {
    processed: 0,
    batches: 0,
    followUps: 0,
    perType: { resize: 0, notify: 0, archive: 0 },
  };
  for (;;) {
    // Up to a batch in one command, waiting for the first job (BLMPOP ... COUNT batchSize).
    const batch = await jobs.popMany(batchSize, { timeout: options.idleMs ?? 200 });
    if (batch.length === 0) return report;
    const done = batch.map(handle);
    const counts = new globalThis.Map<Job['type'], number>();
    for (const { result } of done) counts.set(result.type, (counts.get(result.type) ?? 0) + 1);
    const followUps = done.flatMap((d) => (d.followUp ? [d.followUp] : []));
    // All the bookkeeping of the batch: one pipeline, one round trip.
    await connection.pipeline((p) => [
      ...[...counts].map(([type, n]) => new Processed(type).in(p).incr(n)),
      results.in(p).setMany(done.map(({ result }) => [result.job, result] as const)),
      ...(followUps.length ? [jobs.in(p).push(...followUps)] : []),
    ]);
    report.batches += 1;
    report.processed += batch.length;
    report.followUps += followUps.length;
    for (const [type, n] of counts) report.perType[type] += n;
  }
}

/** Fills the queue with `count` jobs of mixed types (one command). */
export async function seedJobs(
  connection: typeof Connection,
  namespace: string,
  count: number,
): Promise<void> {
  const { Jobs } = workerModels(connection, namespace);
  const types: Array<Job['type']> = ['resize', 'notify', 'archive'];
  const jobs = Array.from({ length: count }, (_, i) => ({
    id: `job-${i}`,
    type: types[i % 3],
    size: i,
  }));
  await new Jobs().push(...jobs);
}

runExample(import.meta.url, async (main) => {
  const namespace = `example:${Date.now()}`;
  await seedJobs(main, namespace, 300);
  return runWorker(main, { namespace, batchSize: 50 });
});
