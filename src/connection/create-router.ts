import { ConfigError } from '../core/errors.js';
import type { RedisClient } from '../transport/client-types.js';
import { ClusterRouter } from '../transport/cluster.js';
import { resolveServer, type ServerOptions } from '../transport/dsn.js';
import { serverOf } from '../transport/external.js';
import { resolveOptions, type ConnectionOptions } from '../transport/options.js';
import { Router } from '../transport/router.js';
import { sentinelResolver, type SentinelConfig } from '../transport/sentinel.js';
import type { Topology } from '../transport/topology.js';

/**
 * The router a Connection class describes: its static configuration (`MASTER`, `SLAVE` or
 * `REPLICA`, `CLIENT`, `CLUSTER`, `SENTINEL`, `OPTIONS`, `REUSE`, `READ_FROM_REPLICAS`) checked
 * and turned into a standalone/Sentinel `Router` or a `ClusterRouter`.
 *
 * @internal
 * @module
 */

/** A server: a DSN string or options. */
export type ServerSpec = string | ServerOptions;

/** The static configuration of a Connection class, as the router is made from it. */
export interface ConnectionConfig {
  readonly name: string;
  readonly MASTER?: ServerSpec;
  readonly SLAVE?: ServerSpec | readonly ServerSpec[];
  readonly REPLICA?: ServerSpec | readonly ServerSpec[];
  readonly CLIENT?: RedisClient;
  readonly CLUSTER?: ServerSpec | readonly ServerSpec[];
  readonly SENTINEL?: SentinelConfig;
  readonly READ_FROM_REPLICAS: boolean;
  readonly OPTIONS?: ConnectionOptions;
  readonly REUSE: boolean;
}

/** A server setting as a list (one server, several, or none). */
export function specs(value: ServerSpec | readonly ServerSpec[] | undefined): ServerSpec[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as ServerSpec[])] : [value as ServerSpec];
}

/** Whether `value` looks like a node-redis client (not a cluster client). */
export function isClient(value: unknown): value is RedisClient {
  const client = value as (Partial<RedisClient> & { getSlotMaster?: unknown }) | null;
  return (
    typeof client === 'object' &&
    client !== null &&
    typeof client.sendCommand === 'function' &&
    typeof client.duplicate === 'function' &&
    client.getSlotMaster === undefined
  );
}

/** The router of a Connection on the application's client (`CLIENT`). */
function clientRouter(
  connection: ConnectionConfig,
  options: ReturnType<typeof resolveOptions>,
  reuse: boolean,
): Topology {
  const client = connection.CLIENT;
  if (!isClient(client)) {
    throw new ConfigError(
      `${connection.name}.CLIENT must be a node-redis client (createClient()); a cluster client is not supported: use CLUSTER`,
    );
  }
  if (
    connection.MASTER !== undefined ||
    connection.CLUSTER !== undefined ||
    connection.SENTINEL !== undefined
  ) {
    throw new ConfigError(
      `${connection.name} sets CLIENT and MASTER, CLUSTER or SENTINEL: keep one`,
    );
  }
  const replicas = specs(connection.REPLICA ?? connection.SLAVE).map((spec) => ({
    server: resolveServer(spec),
  }));
  return new Router({ server: serverOf(client), client }, replicas, options, reuse);
}

/** The router of a Connection class. @throws {@link ConfigError} for a bad configuration. */
export function createRouter(connection: ConnectionConfig): Topology {
  const options = resolveOptions(connection.OPTIONS);
  const reuse = connection.REUSE !== false;
  if (connection.CLIENT !== undefined) return clientRouter(connection, options, reuse);
  if (connection.CLUSTER !== undefined) {
    const seeds = specs(connection.CLUSTER).map((spec) => resolveServer(spec));
    if (seeds.length === 0) throw new ConfigError(`${connection.name}: CLUSTER lists no node`);
    return new ClusterRouter(seeds, options, connection.READ_FROM_REPLICAS === true);
  }
  const sentinel = connection.SENTINEL;
  if (sentinel !== undefined) {
    const placeholder = resolveServer({
      ...(sentinel.server ?? {}),
      host: `sentinel:${sentinel.name}`,
    });
    const master = { server: placeholder, resolve: sentinelResolver(sentinel, 'master', options) };
    const replicas = connection.READ_FROM_REPLICAS
      ? [{ server: placeholder, resolve: sentinelResolver(sentinel, 'replica', options) }]
      : [];
    return new Router(master, replicas, options, reuse);
  }
  if (connection.MASTER === undefined) {
    throw new ConfigError(
      `${connection.name} has no MASTER (nor CLUSTER or SENTINEL): set static MASTER to a DSN or options`,
    );
  }
  if (connection.SLAVE !== undefined && connection.REPLICA !== undefined) {
    throw new ConfigError(
      `${connection.name} sets both SLAVE and REPLICA (the same setting): keep one of them`,
    );
  }
  const master = { server: resolveServer(connection.MASTER) };
  const replicas = specs(connection.REPLICA ?? connection.SLAVE).map((spec) => ({
    server: resolveServer(spec),
  }));
  return new Router(master, replicas, options, reuse);
}
