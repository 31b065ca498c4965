import type { BenchConfig } from '../config.js';
import { summarize, type WorkloadResult } from '../results.js';
import type { QueueEnv } from './jobs.js';

/**
 * The rounds of the queue workloads. Unlike the other workloads (a contender runs for a fixed
 * time), a queue workload gives each contender a fixed amount of work per round (push 20,000
 * jobs, then consume them all) and times its phases; the contenders alternate over the rounds,
 * the order rotating, with the keys deleted and the garbage collected before each run.
 *
 * @module
 */

/** How long each phase of one run took, in ms, by phase name (`push`, `process`...). */
export type Phases = Readonly<Record<string, number>>;

/** One contender of a queue workload. */
export interface Contestant {
  /** Subject id (`redisext`, `bullmq`, `queue`...). */
  readonly id: string;
  /** Shown in the table. */
  readonly label: string;
  /**
   * One run: does the whole work once on a new queue (opening and closing what it needs
   * outside its timed phases), checks it (a WrongResult aborts the benchmark), times its phases.
   */
  run(): Promise<Phases>;
}

/** A row of the table made from a queue workload: the rate over some of its phases. */
export interface QueueRow {
  /** Result id, starting with the workload id (`rq-e2e`, `rq-e2e-process`). */
  readonly id: string;
  readonly title: string;
  /** The phases whose times add up to this row's time. */
  readonly phases: readonly string[];
}

/** A queue workload: contestants doing the same fixed work, ours first. */
export interface QueueWorkload {
  /** Selection id (`--only`). */
  readonly id: string;
  /** For `--list`. */
  readonly title: string;
  /** What is counted (`job`). */
  readonly unit: string;
  /** Units of work per run. */
  readonly units: number;
  /** Handlers or consumers at once. */
  readonly concurrency: number;
  readonly rows: readonly QueueRow[];
  /** Printed under the table. */
  readonly note?: string;
  /** The contestants, ours first; the ratios are ours / each other one. */
  contestants(env: QueueEnv): Contestant[];
}

/** `global.gc`, present when node runs with `--expose-gc` (run.js re-runs itself so). */
const collect = (globalThis as { gc?: () => void }).gc;

/** Runs a queue workload: warm-up rounds, then measured rounds; one result per row. */
export async function runQueueWorkload(
  workload: QueueWorkload,
  env: QueueEnv,
  config: BenchConfig,
): Promise<WorkloadResult[]> {
  const contestants = workload.contestants(env);
  const runs = contestants.map(() => [] as Phases[]);
  try {
    for (let round = -config.warmup; round < config.rounds; round++) {
      const shift = ((round % contestants.length) + contestants.length) % contestants.length;
      for (let k = 0; k < contestants.length; k++) {
        const index = (k + shift) % contestants.length;
        await env.server.clean();
        collect?.();
        const phases = await contestants[index].run();
        if (round >= 0) runs[index].push(phases);
      }
    }
  } finally {
    await env.server.clean();
  }
  return workload.rows.map((row) =>
    summarize(
      {
        id: row.id,
        title: row.title,
        unit: workload.unit,
        concurrency: workload.concurrency,
        perOp: 1,
        ...(workload.note !== undefined && row === workload.rows[0] ? { note: workload.note } : {}),
      },
      contestants.map((c, i) => ({
        id: c.id,
        label: c.label,
        samples: runs[i].map((phases) => {
          const ms = row.phases.reduce((sum, phase) => sum + phases[phase], 0);
          return (workload.units * 1000) / ms;
        }),
        ops: workload.units * runs[i].length,
      })),
    ),
  );
}
