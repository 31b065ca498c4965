import { createCluster } from 'redis';
import type { ParsedDsn } from './dsn.js';
import { clientOptions, reconnectDelay, type ResolvedOptions } from './options.js';

/** A connected node-redis cluster client, as the escape hatch hands it out. */
export type RedisClusterClient = ReturnType<typeof createCluster>;

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
): RedisClusterClient {
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
  } as never) as RedisClusterClient;
  cluster.on('error', () => undefined);
  return cluster;
}
