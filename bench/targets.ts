import type { MemoryResult } from './memory/types.js';
import type { RqMemoryResult } from './queues/memory.js';
import type { TargetResult, WorkloadResult } from './results.js';
import { median } from './driver.js';

/** A throughput target: ours / `contender` at least `min` in `workload`. */
interface RatioTarget {
  readonly workload: string;
  readonly contender: string;
  readonly min: number;
  /** Ours: this subject instead of the workload's first (e.g. the `lanes: 2` variant). */
  readonly ours?: string;
}

/** The single-operation workloads with 100 calls in flight. */
const CONCURRENT = ['incr-100', 'json-100', 'queue-100', 'set-100'];

/** The targets of issues 6, 9, 12, 14 and 15 (reported as PASS/MISS, never asserted in tests). */
export const RATIO_TARGETS: readonly RatioTarget[] = [
  ...CONCURRENT.flatMap((workload) => [
    { workload, contender: 'node-redis-t0', min: 0.9 },
    { workload, contender: 'node-redis', min: 2.5 },
    { workload, contender: 'ioredis', min: 1.5 },
  ]),
  { workload: 'pipeline-10k', contender: 'node-redis-t0', min: 0.95 },
  { workload: 'lock-100', contender: 'ioredis', min: 2 },
  // Issue 12: RateLimiter and Semaphore against the libraries Node users fetch for them, with
  // the defaults and with the `lanes: 2` connection option.
  { workload: 'rl-100', contender: 'rlflx-ioredis', min: 2 },
  { workload: 'sem-100', contender: 'redis-semaphore-ioredis', min: 2 },
  { workload: 'lock-100', contender: 'ioredis', min: 2, ours: 'redisext-lanes2' },
  { workload: 'rl-100', contender: 'rlflx-ioredis', min: 2, ours: 'redisext-lanes2' },
  { workload: 'sem-100', contender: 'redis-semaphore-ioredis', min: 2, ours: 'redisext-lanes2' },
  // Issue 14: a Document's save + load against a JSON Map with the Date revived by hand.
  { workload: 'document-100', contender: 'json-revival', min: 0.5 },
  // Issue 15: hot reads through the near cache against the round-trip read and node-redis'
  // clientSideCache.
  { workload: 'near-100', contender: 'redisext-plain', min: 20 },
  { workload: 'near-100', contender: 'node-redis-csc', min: 2 },
  // Ours: with every read a hit, the hit path itself against the round trip.
  { workload: 'near-hits-100', contender: 'redisext-plain', min: 20 },
  // ReliableQueue end to end (push + process) against BullMQ.
  { workload: 'rq-e2e', contender: 'bullmq', min: 3 },
];

/** Bytes a model handle may cost. */
export const MAX_BYTES_PER_INSTANCE = 200;
/** Heap growth allowed after a million operations. */
export const MAX_HEAP_GROWTH = 32 * 1024 * 1024;

/** Server memory (`used_memory`) a ReliableQueue may keep after 100,000 messages. */
export const MAX_RQ_MEMORY_DELTA = 1024 * 1024;

/** `target.ours` / `target.contender`: the median over the rounds of the per-round ratios. */
function ratioOf(result: WorkloadResult, target: RatioTarget): number | undefined {
  const ours = result.subjects.find((s) => s.id === target.ours);
  const other = result.subjects.find((s) => s.id === target.contender);
  if (ours === undefined || other === undefined) return undefined;
  return median(ours.samples.map((value, round) => value / other.samples[round]));
}

/** Checks every target that this run measured. */
export function evaluate(
  workloads: readonly WorkloadResult[],
  memory?: MemoryResult,
  rqMemory?: RqMemoryResult,
): TargetResult[] {
  const out: TargetResult[] = [];
  for (const target of RATIO_TARGETS) {
    const result = workloads.find((w) => w.id === target.workload);
    if (result === undefined) continue;
    const ratio =
      target.ours === undefined ? result.ratios[target.contender] : ratioOf(result, target);
    if (ratio === undefined) continue;
    const label = result.subjects.find((s) => s.id === target.contender)?.label ?? target.contender;
    const ours = target.ours === undefined ? '' : ` (${target.ours})`;
    out.push({
      description: `${result.id}${ours}: ≥ ${target.min}× ${label}`,
      value: ratio,
      kind: 'min',
      threshold: target.min,
      pass: ratio >= target.min,
      workload: target.workload,
      subject: target.contender,
    });
  }
  if (memory) {
    const { instances, operations } = memory;
    const mem = (description: string, value: number, threshold: number, subject: string) =>
      out.push({
        description,
        value,
        kind: 'max',
        threshold,
        pass: value <= threshold,
        workload: 'memory',
        subject,
      });
    mem(
      `${instances.count} model instances open no connection`,
      instances.connectionsOpened,
      0,
      'instance-connections',
    );
    mem(
      `a model instance costs < ${MAX_BYTES_PER_INSTANCE} bytes`,
      instances.bytesPerInstance,
      MAX_BYTES_PER_INSTANCE - 1e-9,
      'instance-bytes',
    );
    mem(
      `connections ≤ 1 per role + 1 per blocking consumer (${operations.allowedConnections})`,
      operations.maxConnections,
      operations.allowedConnections,
      'connections',
    );
    mem(
      `heap growth after ${operations.count} operations < 32 MB`,
      operations.heapGrowthBytes,
      MAX_HEAP_GROWTH - 1,
      'heap-growth',
    );
  }
  if (rqMemory) {
    out.push({
      description: `server memory after ${rqMemory.messages} ReliableQueue messages ≤ 1 MB more`,
      value: rqMemory.delta,
      kind: 'max',
      threshold: MAX_RQ_MEMORY_DELTA,
      pass: rqMemory.delta <= MAX_RQ_MEMORY_DELTA,
      workload: 'rq-memory',
      subject: 'used-memory',
    });
  }
  return out;
}
