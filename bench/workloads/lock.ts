import { check } from '../types.js';
import { contenderSubjects, integerAt, type Workload } from './workload.js';

/**
 * Lock acquire + release pairs, one lock name per worker (never contended), 100 in flight:
 * redisext's Lock (one Lua script each way, with a fencing token and a wake-up for waiters) vs
 * redis-semaphore's Mutex (SET NX PX, then a Lua compare-and-delete), both with their defaults;
 * and redisext with the `lanes: 2` connection option (two shared connections, by key slot).
 */
export const lockPairs: Workload = {
  id: 'lock-100',
  title: 'lock acquire + release, 100 in flight',
  unit: 'acquire+release pair',
  concurrency: 100,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(
      ctx,
      ['redisext', 'ioredis', 'ioredis-auto', 'redisext-lanes2'],
      (c) => ({
        kind: 'async',
        op: (_i, worker) => c.lockPair!(`lock:${worker}`),
        async check({ ops }) {
          const held = [
            ...(await ctx.server.keys('bench:lock:*')),
            ...(await ctx.server.keys('mutex:bench:lock:*')),
          ];
          check(held.length === 0, () => `${c.lockLabel}: ${held.length} locks still held`);
          if (!c.id.startsWith('redisext')) return;
          let fences = 0;
          for (let w = 0; w < 100; w++)
            fences += await integerAt(ctx.server, `{bench:lock:${w}}:fence`);
          check(
            fences === ops,
            () => `${c.lockLabel}: ${fences} fencing tokens for ${ops} acquires`,
          );
        },
      }),
      (c) => c.lockLabel ?? c.label,
    ),
};
