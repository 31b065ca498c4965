import { Redis } from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { Connection } from '../../src/index.js';
import type { BenchServer } from '../server.js';
import { namedConnection } from '../named-connection.js';

/**
 * The clients of the coordination section (rate limiter, semaphore): a redisext Connection class
 * of its own, ioredis (the client redis-semaphore is built for, and rate-limiter-flexible's
 * recommended store) and node-redis (rate-limiter-flexible's other store), all on the bench server.
 *
 * @module
 */

/** What the coordination workloads use. */
export interface CoordinationEnv {
  readonly server: BenchServer;
  /** redisext's Connection for this section (its defaults). */
  readonly connection: typeof Connection;
  /** The same with the `lanes: 2` option (two shared connections, by key slot). */
  readonly lanes: typeof Connection;
  /** ioredis with its defaults. */
  readonly ioredis: Redis;
  /** ioredis with `enableAutoPipelining: true`. */
  readonly ioredisAuto: Redis;
  /** node-redis with its defaults. */
  readonly nodeRedis: RedisClientType;
}

/** Opens the section's clients (named `bench-coord-*` in `CLIENT LIST`). */
export async function openEnv(server: BenchServer): Promise<CoordinationEnv> {
  const connection = await namedConnection(server.url, 'bench-coord-redisext');
  const lanes = await namedConnection(server.url, 'bench-coord-redisext', { lanes: 2 });
  const ioredis = await ioredisOn(server.url, false);
  const ioredisAuto = await ioredisOn(server.url, true);
  const nodeRedis = createClient({ url: server.url, name: 'bench-coord-node-redis' });
  nodeRedis.on('error', () => undefined);
  await nodeRedis.connect();
  return {
    server,
    connection,
    lanes,
    ioredis,
    ioredisAuto,
    nodeRedis: nodeRedis as RedisClientType,
  };
}

/** An ioredis client, connected. */
async function ioredisOn(url: string, auto: boolean): Promise<Redis> {
  const client = new Redis(url, {
    connectionName: `bench-coord-ioredis${auto ? '-auto' : ''}`,
    enableAutoPipelining: auto,
    lazyConnect: true,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Closes what {@link openEnv} opened. */
export async function closeEnv(env: CoordinationEnv): Promise<void> {
  await env.connection.close().catch(() => undefined);
  await env.lanes.close().catch(() => undefined);
  env.ioredis.disconnect();
  env.ioredisAuto.disconnect();
  await env.nodeRedis.close().catch(() => undefined);
}

/** The `p`-th percentile (0..100) of some numbers, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
