import type { BenchConfig } from '../config.js';
import type { WorkloadResult } from '../results.js';
import type { BenchServer } from '../server.js';
import type { Context, Workload } from '../workloads/workload.js';
import { closeEnv, openEnv } from './env.js';
import { memoryPerId, RL_INFO, rateLimitWorkload } from './rate-limit.js';
import {
  SEM_INFO,
  semaphoreContended,
  semaphorePairs,
  semaphorePairsOnKeys,
  type WaitLog,
} from './semaphore.js';
import { median } from '../driver.js';

/**
 * The coordination section of the suite (issue 12): RateLimiter against rate-limiter-flexible,
 * Semaphore against redis-semaphore, on clients of its own, after the single-command workloads.
 *
 * @module
 */

/** The memory probe's id: bytes per limited id on the server. */
export const RL_MEMORY = 'rl-memory';

/** The section's workload ids and titles, for `--list`. */
export const COORDINATION_LIST: ReadonlyArray<{ id: string; title: string }> = [
  RL_INFO,
  ...SEM_INFO,
  {
    id: RL_MEMORY,
    title: 'server memory per limited id (MEMORY USAGE), RateLimiter vs rate-limiter-flexible',
  },
];

/** What the section measured: table rows, and lines printed under the table. */
export interface CoordinationSection {
  readonly workloads: WorkloadResult[];
  readonly lines: string[];
}

/**
 * Runs the selected workloads of the section with `run` (the suite's fixed-time rounds).
 *
 * @param wanted - whether an id is selected (`--only`).
 */
export async function runCoordination(
  server: BenchServer,
  wanted: (id: string) => boolean,
  config: BenchConfig,
  run: (workload: Workload, ctx: Context, config: BenchConfig) => Promise<WorkloadResult>,
  log: (message: string) => void,
): Promise<CoordinationSection> {
  const lines: string[] = [];
  const workloads: WorkloadResult[] = [];
  if (!COORDINATION_LIST.some((w) => wanted(w.id))) return { workloads, lines };
  const env = await openEnv(server);
  try {
    const p99s: WaitLog = new Map();
    const all = [
      rateLimitWorkload(env),
      semaphorePairs(env),
      semaphorePairsOnKeys(env),
      semaphoreContended(env, p99s),
    ];
    const ctx: Context = { server, contenders: new Map() };
    for (const workload of all.filter((w) => wanted(w.id))) {
      const t0 = performance.now();
      const result = await run(workload, ctx, config);
      workloads.push(result);
      const summary = result.subjects.map((s) => `${s.label} ${Math.round(s.median)}`).join(', ');
      log(`${workload.id} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${summary}`);
    }
    if (p99s.size > 0) {
      const waits = [...p99s].map(([label, v]) => `${label} ${median(v).toFixed(1)} ms`);
      lines.push(
        `sem-contended: p99 wait for a permit (median of the samples' p99): ${waits.join(', ')}`,
      );
    }
    if (wanted(RL_MEMORY)) {
      const bytes = await memoryPerId(env);
      const shown = bytes.map(([label, b]) => `${label} ${Math.round(b)} B`);
      lines.push(
        `rl-memory: server memory per limited id (MEMORY USAGE, mean of 1,000): ${shown.join(', ')}`,
      );
    }
  } finally {
    await closeEnv(env);
  }
  return { workloads, lines };
}
