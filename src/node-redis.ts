import type { createClient, createCluster } from 'redis';
import type { Connection } from './connection/connection.js';

/**
 * `redisext/node-redis`: the escape hatches with node-redis' own types. The main entry names the
 * clients by narrow interfaces (`RedisClient`, `RedisClusterClient`: `sendCommand` and a few
 * more), which keeps a TypeScript program that imports redisext from type-checking node-redis'
 * command types (and the Redis modules'), about 5 s and 300 MB (docs/architecture.md). Import
 * this entry where you want the typed commands (`client.get(...)`, `client.json.get(...)`); it
 * returns the very same clients.
 *
 * @example
 * ```ts
 * import { nodeRedisClient } from 'redisext/node-redis';
 * const client = await nodeRedisClient(Main);
 * await client.objectEncoding('site');
 * ```
 *
 * @module
 */

/** A node-redis client (with the Redis modules' commands), as `redis`'s `createClient` types it. */
export type NodeRedisClient = ReturnType<typeof createClient>;
/** A node-redis cluster client, as `redis`'s `createCluster` types it. */
export type NodeRedisClusterClient = ReturnType<typeof createCluster>;

/** `Connection.client(role)` with node-redis' own type: the shared client, connected. */
export async function nodeRedisClient(
  connection: typeof Connection,
  role: 'master' | 'replica' = 'master',
): Promise<NodeRedisClient> {
  return (await connection.client(role)) as unknown as NodeRedisClient;
}

/** `Connection.clusterClient()` with node-redis' own type, connected. */
export async function nodeRedisCluster(
  connection: typeof Connection,
): Promise<NodeRedisClusterClient> {
  return (await connection.clusterClient()) as unknown as NodeRedisClusterClient;
}
