import { createCluster } from 'redis';
import type { RedisArg } from '../core/command.js';
import { slotOf } from '../core/slot.js';
import { connectDeadline } from './deadline.js';
import type { ParsedDsn } from './dsn.js';
import { replyCode } from './error-map.js';
import { clientOptions, reconnectDelay, type ResolvedOptions } from './options.js';

/** node-redis' cluster client with its full type (internal: the public type is narrow). */
export type NodeRedisCluster = ReturnType<typeof createCluster>;

/**
 * A node-redis cluster client (not connected yet) for these seeds: the first seed's settings
 * (credentials, TLS, timeouts) apply to every node; our quick reconnects; replicas for reads
 * when asked. node-redis routes by slot and follows MOVED/ASK itself.
 *
 * @internal
 */
export function createClusterClient(
  seeds: readonly ParsedDsn[],
  options: ResolvedOptions,
  readFromReplicas: boolean,
): NodeRedisCluster {
  const defaults = clientOptions(seeds[0], options, (retries) =>
    retries >= options.reconnectAttempts ? false : reconnectDelay(retries),
  );
  const {
    host: _host,
    port: _port,
    path: _path,
    ...socket
  } = defaults.socket as Record<string, unknown>;
  const cluster = createCluster({
    rootNodes: seeds.map((s) => ({ socket: { host: s.host, port: s.port } })),
    defaults: { ...defaults, socket } as never,
    useReplicas: readFromReplicas,
    RESP: defaults.RESP,
  } as never) as NodeRedisCluster;
  cluster.on('error', () => undefined);
  return cluster;
}

/**
 * A cluster client, connected within connectTimeout; else destroyed and its failure thrown
 * through `toError` (typed).
 *
 * @internal
 */
export async function connectCluster(
  seeds: readonly ParsedDsn[],
  options: ResolvedOptions,
  readFromReplicas: boolean,
  toError: (error: unknown) => Error,
): Promise<NodeRedisCluster> {
  const cluster = createClusterClient(seeds, options, readFromReplicas);
  const limit = seeds[0].connectTimeout ?? options.connectTimeout;
  const deadline = connectDeadline(limit, `cluster ${seeds.map(String).join(', ')}`);
  // node-redis reports why each root node failed as an 'error' event, then throws a bare
  // "All the root nodes are unavailable": keep the first reply of a server (a WRONGPASS...), so
  // a wrong password is an AuthError here as on a standalone server.
  let refusal: unknown;
  const onError = (error: unknown): void => {
    if (refusal === undefined && replyCode(error) !== undefined) refusal = error;
  };
  cluster.on('error', onError);
  const connecting = cluster.connect();
  connecting.catch(() => undefined);
  try {
    await Promise.race([connecting, deadline.promise]);
  } catch (error) {
    cluster.destroy();
    throw toError(refusal ?? error);
  } finally {
    deadline.clear();
    cluster.off('error', onError);
  }
  return cluster;
}

/** What we use of a cluster node's own client. */
interface NodeClient {
  sendCommand(args: RedisArg[]): Promise<unknown>;
}

/**
 * A `SCRIPT LOAD` (`args`) for the master of `key`'s slot, queued on that node's client at once
 * (so before the command that needs it, which node-redis queues a few microtasks later). Routed
 * through the cluster client, node-redis would send a keyless SCRIPT LOAD to every node.
 *
 * @internal
 */
export function loadOnMaster(
  cluster: NodeRedisCluster,
  key: string,
  args: RedisArg[],
): Promise<unknown> {
  const node = cluster.getSlotMaster(slotOf(key));
  // Typed as a promise, but a connected node's client comes back as it is (no extra tick).
  const client = cluster.nodeClient(node) as unknown as NodeClient | Promise<NodeClient>;
  if (client instanceof Promise) return client.then((ready) => ready.sendCommand(args));
  return client.sendCommand(args);
}
