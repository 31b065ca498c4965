import type { AsyncOp, Measured, SyncOp } from '../driver.js';
import type { BenchServer } from '../server.js';
import type { Contender, ContenderId } from '../types.js';

/** One run of one subject: the operation, and the correctness check after it. */
export type SampleRun =
  | { readonly kind: 'async'; readonly op: AsyncOp; check(measured: Measured): Promise<void> }
  | { readonly kind: 'sync'; readonly op: SyncOp; check(measured: Measured): void };

/** Something measured by a workload: a contender, or a variant (Typed vs JSON). */
export interface Subject {
  /** A contender id or variant id. */
  readonly id: string;
  readonly label: string;
  /** A fresh sample (its own counters). */
  sample(): SampleRun;
}

/** What workloads may use. */
export interface Context {
  readonly server: BenchServer;
  readonly contenders: ReadonlyMap<ContenderId, Contender>;
}

/** One benchmark: the same operation done by several subjects; the first is ours. */
export interface Workload {
  /** Short id, used by `--only`. */
  readonly id: string;
  readonly title: string;
  /** What one operation is (for the table). */
  readonly unit: string;
  /** Operations in flight. */
  readonly concurrency: number;
  /** Counted units per operation (10 000 commands for one pipeline). */
  readonly perOp: number;
  /**
   * Samples last this many times the configured sample time (default 1): for workloads whose
   * operation is long (a 10,000-command pipeline), so one sample holds enough of them that a
   * single garbage collection does not decide it.
   */
  readonly sampleScale?: number;
  /** True when it uses the server (keys are cleaned before each sample). */
  readonly usesServer: boolean;
  /** The subjects, ours first; the ratios are ours / each other one. */
  subjects(ctx: Context): Subject[];
}

/** Subjects made from contenders (skipping those the workload does not apply to). */
export function contenderSubjects(
  ctx: Context,
  ids: readonly ContenderId[],
  run: (contender: Contender) => SampleRun,
  label: (contender: Contender) => string = (c) => c.label,
): Subject[] {
  return ids.map((id) => {
    const contender = ctx.contenders.get(id);
    if (!contender) throw new Error(`contender ${id} is not open`);
    return { id, label: label(contender), sample: () => run(contender) };
  });
}

/** The contenders of the single-command workloads: ours first. */
export const ALL: readonly ContenderId[] = [
  'redisext',
  'node-redis-t0',
  'node-redis',
  'ioredis',
  'ioredis-auto',
];

/** The integer value of a key (0 when absent). */
export async function integerAt(server: BenchServer, key: string): Promise<number> {
  const reply = await server.inspector.sendCommand(['GET', key]);
  return reply === null ? 0 : Number(reply);
}
