import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimiter } from '../../src/index.js';
import { check } from '../types.js';
import type { Subject, Workload } from '../workloads/workload.js';
import type { CoordinationEnv } from './env.js';

/**
 * RateLimiter `take` against rate-limiter-flexible's `RateLimiterRedis` on the same limit (100
 * per second per id, bursts of 100), 100 calls in flight spread over 1,000 ids; and the server
 * memory each keeps per limited id.
 *
 * @module
 */

/** Limited ids the calls are spread over. */
export const IDS = 1_000;
const RATE = 100;
const PER = 1_000;

/** What the workload and the memory probe need of one contender. */
interface Limiter {
  readonly id: string;
  readonly label: string;
  /** One take for `id`: true admitted, false denied (an error rejects). */
  take(id: number): Promise<boolean>;
  /** The Redis key that holds the state of `id`. */
  keyOf(id: number): string;
}

/** The contenders, made on the section's clients. */
export function limiters(env: CoordinationEnv, per = PER): Limiter[] {
  const ours = (connection: typeof env.connection, id: string, label: string): Limiter => {
    class Limits extends RateLimiter {
      static override CONNECTION = connection;
      static override PREFIX = 'bench:rl';
      static override LIMITS = [{ rate: RATE, per, burst: RATE }];
    }
    const handles = Array.from({ length: IDS }, (_, n) => new Limits(String(n)));
    return {
      id,
      label,
      take: (n) => handles[n].take().then((r) => r.allowed),
      keyOf: (n) => handles[n].key,
    };
  };
  const flexible = (client: 'ioredis' | 'node-redis'): Limiter => {
    const store = new RateLimiterRedis({
      storeClient: client === 'ioredis' ? env.ioredis : env.nodeRedis,
      useRedisPackage: client === 'node-redis',
      keyPrefix: `bench:rlflx-${client}`,
      points: RATE,
      duration: per / 1000,
    });
    return {
      id: `rlflx-${client}`,
      label: `rate-limiter-flexible RateLimiterRedis on ${client}`,
      take: (id) =>
        store.consume(String(id)).then(
          () => true,
          (denied: unknown) => {
            if (denied instanceof RateLimiterRes) return false;
            throw denied;
          },
        ),
      keyOf: (id) => `bench:rlflx-${client}:${id}`,
    };
  };
  return [
    ours(env.connection, 'redisext', 'redisext RateLimiter (GCRA)'),
    flexible('ioredis'),
    flexible('node-redis'),
    ours(env.lanes, 'redisext-lanes2', 'redisext RateLimiter, lanes: 2'),
  ];
}

/** `take` with 100 in flight over 1,000 ids. */
export function rateLimitWorkload(env: CoordinationEnv): Workload {
  return {
    ...RL_INFO,
    unit: 'take',
    concurrency: 100,
    perOp: 1,
    usesServer: true,
    subjects: () =>
      limiters(env).map((limiter): Subject => ({
        id: limiter.id,
        label: limiter.label,
        sample: () => {
          let allowed = 0;
          let denied = 0;
          return {
            kind: 'async',
            op: (i) =>
              limiter.take(i % IDS).then((ok) => {
                if (ok) allowed += 1;
                else denied += 1;
              }),
            check({ ops, ms }) {
              const done = allowed + denied;
              check(done === ops, () => `${limiter.label}: ${done} answers for ${ops} takes`);
              // Per id at most one burst plus what the rate refills during the sample (a
              // fixed window may admit two windows' worth at a boundary).
              const most = IDS * 2 * (RATE + Math.ceil((RATE * ms) / PER));
              check(allowed > 0 && allowed <= most, () => `${limiter.label}: ${allowed} admitted`);
              return Promise.resolve();
            },
          };
        },
      })),
  };
}

/** The id and title of the workload (for `--list`, before any client is open). */
export const RL_INFO = {
  id: 'rl-100',
  title: `RateLimiter take, 100 in flight over ${IDS.toLocaleString('en')} ids`,
} as const;

/**
 * Server memory per limited id (`MEMORY USAGE` of each id's key after one take of each of the
 * 1,000 ids), per contender: mean bytes. The limit here is 100 per minute, so that no key
 * expires before it is measured (a GCRA key lives until its limit is full again: 10 ms after
 * one take at 100 per second); the size of a key does not depend on the rate.
 */
export async function memoryPerId(env: CoordinationEnv): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  for (const limiter of limiters(env, 60_000)) {
    await env.server.clean();
    for (let id = 0; id < IDS; id++) await limiter.take(id);
    let bytes = 0;
    for (let id = 0; id < IDS; id++) {
      const used = await env.server.inspector.sendCommand(['MEMORY', 'USAGE', limiter.keyOf(id)]);
      check(typeof used === 'number', () => `${limiter.label}: no key ${limiter.keyOf(id)}`);
      bytes += used as unknown as number;
    }
    out.push([limiter.label, bytes / IDS]);
  }
  await env.server.clean();
  return out;
}
