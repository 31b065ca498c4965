import { setTimeout as sleep } from 'node:timers/promises';
import { Semaphore as RedisSemaphore } from 'redis-semaphore';
import { Semaphore } from '../../src/index.js';
import { check } from '../types.js';
import type { Subject, Workload } from '../workloads/workload.js';
import { percentile, type CoordinationEnv } from './env.js';

/**
 * Semaphore acquire + release against redis-semaphore's `Semaphore` (built for ioredis), both
 * with their defaults: uncontended pairs with 100 in flight on one 100-permit semaphore, and 20
 * callers contending for 5 permits, each holding its permit 5 ms (throughput and p99 wait).
 *
 * @module
 */

/** One way to hold a permit: acquire (waiting up to `wait` ms), then the release to call. */
interface Semaphores {
  readonly id: string;
  readonly label: string;
  acquire(name: string, permits: number, wait: number): Promise<() => Promise<unknown>>;
  /** The key holding the holders of `name`. */
  keyOf(name: string): string;
}

function contenders(env: CoordinationEnv): Semaphores[] {
  const classes = new Map<string, new (name: string) => Semaphore>();
  const ours = (
    permits: number,
    connection: typeof env.connection,
  ): new (name: string) => Semaphore => {
    let cls = classes.get(`${permits}:${connection.name}`);
    if (cls === undefined) {
      cls = class Slots extends Semaphore {
        static override CONNECTION = connection;
        static override PREFIX = 'bench';
        static override PERMITS = permits;
      };
      classes.set(`${permits}:${connection.name}`, cls);
    }
    return cls;
  };
  const theirs = (client: 'ioredis' | 'ioredis-auto'): Semaphores => ({
    id: `redis-semaphore-${client}`,
    label: `redis-semaphore Semaphore on ${client === 'ioredis' ? 'ioredis (defaults)' : 'ioredis, auto-pipelining'}`,
    async acquire(name, permits, wait) {
      const redis = client === 'ioredis' ? env.ioredis : env.ioredisAuto;
      const semaphore = new RedisSemaphore(redis, `bench:${name}`, permits, {
        acquireTimeout: Math.max(wait, 1),
      });
      await semaphore.acquire();
      return () => semaphore.release();
    },
    keyOf: (name) => `semaphore:bench:${name}`,
  });
  const redisext = (connection: typeof env.connection, id: string, label: string): Semaphores => ({
    id,
    label,
    async acquire(name, permits, wait) {
      const Slots = ours(permits, connection);
      const lease = await new Slots(name).acquire({ wait });
      check(lease !== null, () => `${label}: not acquired within ${wait} ms`);
      return () => lease!.release();
    },
    keyOf: (name) => `bench:${name}`,
  });
  return [
    redisext(env.connection, 'redisext', 'redisext Semaphore'),
    theirs('ioredis'),
    theirs('ioredis-auto'),
    redisext(env.lanes, 'redisext-lanes2', 'redisext Semaphore, lanes: 2'),
  ];
}

/**
 * A sample that counts the holders of each semaphore at once (never above `permits`) and each
 * acquire's wait; `name` is one semaphore's, or each worker's own.
 */
function holding(
  env: CoordinationEnv,
  c: Semaphores,
  name: string | ((worker: number) => string),
  permits: number,
  holdMs: number,
  waits?: number[],
): Subject['sample'] {
  const nameOf = typeof name === 'string' ? () => name : name;
  return () => {
    const holders = new Map<string, number>();
    let most = 0;
    return {
      kind: 'async',
      op: async (_i, worker) => {
        const semaphore = nameOf(worker);
        const asked = performance.now();
        const release = await c.acquire(semaphore, permits, 10_000);
        waits?.push(performance.now() - asked);
        const now = (holders.get(semaphore) ?? 0) + 1;
        holders.set(semaphore, now);
        most = Math.max(most, now);
        if (holdMs > 0) await sleep(holdMs);
        holders.set(semaphore, holders.get(semaphore)! - 1);
        await release();
      },
      async check() {
        check(most <= permits, () => `${c.label}: ${most} holders of ${permits} permits`);
        for (const semaphore of holders.keys()) {
          const left = await env.server.inspector.sendCommand(['ZCARD', c.keyOf(semaphore)]);
          check(Number(left) === 0, () => `${c.label}: ${String(left)} permits still held`);
        }
      },
    };
  };
}

/** The ids and titles of the workloads (for `--list`, before any client is open). */
export const SEM_INFO = [
  { id: 'sem-100', title: 'Semaphore acquire + release, 100 in flight, 100 permits' },
  { id: 'sem-contended', title: 'Semaphore: 20 callers, 5 permits, each held 5 ms' },
  { id: 'sem-keys-100', title: 'Semaphore acquire + release, 100 in flight, one semaphore each' },
] as const;

/**
 * Uncontended acquire + release pairs, 100 in flight: `name` is one semaphore's, or each
 * worker's own; `permits` never less than the callers of one semaphore.
 */
function pairs(
  env: CoordinationEnv,
  info: (typeof SEM_INFO)[number],
  name: string | ((worker: number) => string),
  permits: number,
): Workload {
  return {
    ...info,
    unit: 'acquire+release pair',
    concurrency: 100,
    perOp: 1,
    usesServer: true,
    subjects: () =>
      contenders(env).map((c) => ({
        id: c.id,
        label: c.label,
        sample: holding(env, c, name, permits, 0),
      })),
  };
}

/** Uncontended pairs: 100 in flight on one semaphore of 100 permits. */
export function semaphorePairs(env: CoordinationEnv): Workload {
  return pairs(env, SEM_INFO[0], 'sem', 100);
}

/** Uncontended pairs on many keys: 100 in flight, each worker on a semaphore of its own. */
export function semaphorePairsOnKeys(env: CoordinationEnv): Workload {
  return pairs(env, SEM_INFO[2], (worker) => `sem-keys:${worker}`, 5);
}

/** The p99 waits of the contended workload, per subject label, one per sample. */
export type WaitLog = Map<string, number[]>;

/** Contended: 20 callers for 5 permits, each holds 5 ms; records each sample's p99 wait. */
export function semaphoreContended(env: CoordinationEnv, p99s: WaitLog): Workload {
  return {
    ...SEM_INFO[1],
    unit: 'acquisition',
    concurrency: 20,
    perOp: 1,
    sampleScale: 3,
    usesServer: true,
    subjects: () =>
      contenders(env).map((c) => {
        const run = (): ReturnType<Subject['sample']> => {
          const waits: number[] = [];
          const sample = holding(env, c, 'sem-contended', 5, 5, waits)();
          if (sample.kind !== 'async') return sample;
          return {
            ...sample,
            async check(measured) {
              await sample.check(measured);
              p99s.set(c.label, [...(p99s.get(c.label) ?? []), percentile(waits, 99)]);
            },
          };
        };
        return { id: c.id, label: c.label, sample: run };
      }),
  };
}
