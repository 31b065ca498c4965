import { median } from './driver.js';
import type { MemoryResult } from './memory/types.js';
import type { RqMemoryResult } from './queues/memory.js';

/** The measurements of one subject in one workload. */
export interface SubjectResult {
  readonly id: string;
  readonly label: string;
  /** Units per second of each measured round. */
  readonly samples: number[];
  /** Their median. */
  readonly median: number;
  /** Operations run and checked over the measured rounds. */
  readonly ops: number;
}

/** One workload's results: ours first, then the others with ours / theirs. */
export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly concurrency: number;
  readonly perOp: number;
  readonly subjects: SubjectResult[];
  /**
   * Ours / each other subject, by subject id: the median over the rounds of the ratio of the two
   * samples of the same round (the table and the targets use this).
   */
  readonly ratios: Record<string, number>;
  /** Median of ours / median of each other subject (for reference). */
  readonly ratiosOfMedians: Record<string, number>;
  /** Printed under the table (how the contenders were set up, when it matters). */
  readonly note?: string;
}

/** What {@link summarize} needs of a subject: its samples and the operations they checked. */
export interface SubjectSamples {
  readonly id: string;
  readonly label: string;
  readonly samples: number[];
  readonly ops: number;
}

/**
 * A workload's result from its subjects' samples (ours first): each median, and ours / each
 * other one as the median over the rounds of the ratio of the two samples of the same round
 * (taken moments apart: steadier than the ratio of the medians on a machine whose load drifts).
 */
export function summarize(
  workload: Omit<WorkloadResult, 'subjects' | 'ratios' | 'ratiosOfMedians'>,
  subjects: readonly SubjectSamples[],
): WorkloadResult {
  const results: SubjectResult[] = subjects.map((s) => ({
    id: s.id,
    label: s.label,
    samples: s.samples,
    median: median(s.samples),
    ops: s.ops,
  }));
  const ratios: Record<string, number> = {};
  const ratiosOfMedians: Record<string, number> = {};
  const ours = results[0];
  for (const other of results.slice(1)) {
    ratios[other.id] = median(ours.samples.map((value, round) => value / other.samples[round]));
    ratiosOfMedians[other.id] = ours.median / other.median;
  }
  return { ...workload, subjects: results, ratios, ratiosOfMedians };
}

/** A target of the issue, checked on this run's medians. */
export interface TargetResult {
  readonly description: string;
  /** The measured value (a ratio, bytes, a count). */
  readonly value: number;
  /** How it is compared: value >= threshold ('min') or value <= threshold ('max'). */
  readonly kind: 'min' | 'max';
  readonly threshold: number;
  readonly pass: boolean;
  /** Where it shows in the table: workload id and subject id (or 'memory'). */
  readonly workload: string;
  readonly subject: string;
}

/** Where and with what the benchmark ran. */
export interface Environment {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly platform: string;
  readonly node: string;
  readonly redisServer: string;
  readonly serverSpawned: boolean;
  readonly versions: Record<string, string>;
}

/** The whole run, as saved to bench/results/<timestamp>.json. */
export interface BenchResults {
  readonly environment: Environment;
  readonly config: {
    readonly rounds: number;
    readonly warmup: number;
    readonly sampleMs: number;
    readonly quick: boolean;
    readonly only: readonly string[];
  };
  readonly workloads: WorkloadResult[];
  /** Connections each contender held after the throughput workloads (`CLIENT LIST`). */
  readonly connections: Record<string, number>;
  readonly memory?: MemoryResult;
  /** The ReliableQueue memory workload (`rq-memory`): the server's used_memory before and after. */
  readonly rqMemory?: RqMemoryResult;
  readonly targets: TargetResult[];
  readonly seconds: number;
}
