import type { MemoryResult } from './memory/types.js';

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
  readonly targets: TargetResult[];
  readonly seconds: number;
}
