import type { BenchConfig } from '../config.js';
import { median } from '../driver.js';
import type { WorkloadResult } from '../results.js';
import type { BenchServer } from '../server.js';
import type { Context, Workload } from '../workloads/workload.js';
import { DELAY_INFO, delayLine, invalidationDelay } from './delay.js';
import { closeNearEnv, openNearEnv, readers } from './env.js';
import { HITS_INFO, hotReads, NEAR_INFO, type HitRates } from './hot-reads.js';
import { MEMORY_INFO, memoryLine, trackingMemory } from './memory.js';

/**
 * The near-cache section of the suite (issue 15): hot reads through redisext's near cache
 * against the same model without it and node-redis' `clientSideCache`, the invalidation delay
 * under a write load, and the server memory of tracking; on clients of its own, after the
 * coordination section.
 *
 * @module
 */

/** The section's workload ids and titles, for `--list`. */
export const NEAR_LIST: ReadonlyArray<{ id: string; title: string }> = [
  NEAR_INFO,
  HITS_INFO,
  DELAY_INFO,
  MEMORY_INFO,
];

/** What the section measured: table rows, and lines printed under the table. */
export interface NearSection {
  readonly workloads: WorkloadResult[];
  readonly lines: string[];
}

/**
 * Runs the selected parts of the section; `run` is the suite's fixed-time rounds.
 *
 * @param wanted - whether an id is selected (`--only`).
 */
export async function runNearCache(
  server: BenchServer,
  wanted: (id: string) => boolean,
  config: BenchConfig,
  run: (workload: Workload, ctx: Context, config: BenchConfig) => Promise<WorkloadResult>,
  log: (message: string) => void,
): Promise<NearSection> {
  const lines: string[] = [];
  const workloads: WorkloadResult[] = [];
  if (!NEAR_LIST.some((w) => wanted(w.id))) return { workloads, lines };
  const env = await openNearEnv(server);
  try {
    const cached = readers(env).filter((r) => r.stats !== undefined);
    for (const info of [NEAR_INFO, HITS_INFO]) {
      if (!wanted(info.id)) continue;
      const t0 = performance.now();
      const hitRates: HitRates = new Map();
      const workload = hotReads(env, hitRates, info === NEAR_INFO);
      const result = await run(workload, { server, contenders: new Map() }, config);
      workloads.push(result);
      const summary = result.subjects.map((s) => `${s.label} ${Math.round(s.median)}`).join(', ');
      log(`${info.id} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${summary}`);
      const rates = [...hitRates].map(([label, r]) => `${label} ${(median(r) * 100).toFixed(1)}%`);
      lines.push(
        `${info.id}: hit rate counted by each cache (median of the samples, cold misses ` +
          `of a first sample left out): ${rates.join(', ')}`,
      );
    }
    if (wanted(DELAY_INFO.id)) {
      for (const reader of cached) {
        const result = await invalidationDelay(env, reader);
        log(`${DELAY_INFO.id}: ${reader.label} median ${result.median.toFixed(3)} ms`);
        lines.push(delayLine(result));
      }
    }
    if (wanted(MEMORY_INFO.id)) {
      for (const result of await trackingMemory(env, cached)) lines.push(memoryLine(result));
    }
  } finally {
    await closeNearEnv(env);
    await server.clean();
  }
  return { workloads, lines };
}
