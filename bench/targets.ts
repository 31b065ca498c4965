import type { MemoryResult } from './memory/types.js';
import type { RqMemoryResult } from './queues/memory.js';
import type { TargetResult, WorkloadResult } from './results.js';

/** A throughput target: ours / `contender` at least `min` in `workload`. */
interface RatioTarget {
  readonly workload: string;
  readonly contender: string;
  readonly min: number;
}

/** The single-operation workloads with 100 calls in flight. */
const CONCURRENT = ['incr-100', 'json-100', 'queue-100', 'set-100'];

/** The targets of issues 6 and 9 (reported as PASS/MISS, never asserted in tests). */
export const RATIO_TARGETS: readonly RatioTarget[] = [
  ...CONCURRENT.flatMap((workload) => [
    { workload, contender: 'node-redis-t0', min: 0.9 },
    { workload, contender: 'node-redis', min: 2.5 },
    { workload, contender: 'ioredis', min: 1.5 },
  ]),
  { workload: 'pipeline-10k', contender: 'node-redis-t0', min: 0.95 },
  { workload: 'lock-100', contender: 'ioredis', min: 1.5 },
  // ReliableQueue end to end (push + process) against BullMQ.
  { workload: 'rq-e2e', contender: 'bullmq', min: 3 },
];

/** Bytes a model handle may cost. */
export const MAX_BYTES_PER_INSTANCE = 200;
/** Heap growth allowed after a million operations. */
export const MAX_HEAP_GROWTH = 32 * 1024 * 1024;

/** Server memory (`used_memory`) a ReliableQueue may keep after 100,000 messages. */
export const MAX_RQ_MEMORY_DELTA = 1024 * 1024;

/** Checks every target that this run measured. */
export function evaluate(
  workloads: readonly WorkloadResult[],
  memory?: MemoryResult,
  rqMemory?: RqMemoryResult,
): TargetResult[] {
  const out: TargetResult[] = [];
  for (const target of RATIO_TARGETS) {
    const result = workloads.find((w) => w.id === target.workload);
    const ratio = result?.ratios[target.contender];
    if (result === undefined || ratio === undefined) continue;
    const label = result.subjects.find((s) => s.id === target.contender)?.label ?? target.contender;
    out.push({
      description: `${result.id}: ≥ ${target.min}× ${label}`,
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
