import type { NodeRedisOptions } from './client-types.js';
import { ConfigError } from '../core/errors.js';
import type { ParsedDsn } from './dsn.js';
import { MAX_LANES } from './lanes.js';

/**
 * How a {@link Connection} talks to its servers. Every duration is in milliseconds.
 *
 * The defaults are chosen to be fast and to fail fast:
 * - node-redis' own per-command timeout (one `AbortSignal.timeout` per command, 3-4x slower under
 *   load) is off; instead one watchdog timer per client notices a server that has stopped
 *   answering (`commandTimeout`) and drops that connection, rejecting what waited on it;
 * - connecting is bounded (`connectTimeout`), and a refused connection fails at once;
 * - after a connection drops, a few quick reconnects are tried (`reconnectAttempts`); commands
 *   issued meanwhile wait for them, then fail with a {@link ConnectionError}; the next command
 *   connects again;
 * - with Sentinel or a Cluster, a failover is followed: a call that surely did not run (not sent,
 *   or refused with `CLUSTERDOWN`...) is tried again on the new master for up to
 *   `connectTimeout` (docs/topologies.md).
 */
export interface ConnectionOptions {
  /**
   * Bound on TCP connect + handshake. With Sentinel or a Cluster, also how long a call that was
   * not sent is tried again while a failover runs. Default 5000.
   */
  connectTimeout?: number;
  /**
   * How long commands may wait while the server sends nothing back before the connection is
   * considered dead and dropped. 0 disables the watchdog. Default 5000. Blocking pops run on
   * their own connections and are not subject to it.
   */
  commandTimeout?: number;
  /** Quick reconnect attempts after a connection drops (50, 100, 200 ms...). Default 3. */
  reconnectAttempts?: number;
  /** How long a replica that failed is skipped before it is tried again. Default 1000. */
  replicaRetryAfter?: number;
  /** TCP keep-alive initial delay; finds dead peers on idle connections. Default 10000. */
  keepAliveInitialDelay?: number;
  /**
   * How many shared connections ("lanes") each server (master, each replica, the Sentinel
   * master) gets: an integer from 1 to 16, default 1. With several, the client and the server
   * stop taking turns (one parses replies while the other idles): with many calls in flight
   * and a spare CPU core, 2 lanes measured +20-50 % throughput. Each lane connects on its first
   * use.
   *
   * A command goes to the lane of its key's cluster slot (`slot % lanes`), so every command on
   * one key, and every script on its side keys (same slot), keeps its order. Commands on
   * different keys issued without awaiting may run in another order than issued, as on a Redis
   * Cluster. Commands without a key, batches (pipelines, transactions) and
   * {@link Connection.client} use lane 0: a batch is not ordered with un-awaited direct calls on
   * other lanes. Blocking commands and WATCH keep their own connections. A per-server
   * `?lanes=N` in the DSN (or `lanes` in server options) wins over this. A Redis Cluster
   * ignores it (node-redis keeps one connection per node), and so does `REUSE = false`.
   */
  lanes?: number;
  /**
   * Raw node-redis client options, merged over ours (the escape hatch for anything not listed
   * here). `socket` is merged field by field.
   */
  client?: NodeRedisOptions;
}

/** The options with every default filled in. */
export type ResolvedOptions = Required<Omit<ConnectionOptions, 'client'>> &
  Pick<ConnectionOptions, 'client'>;

/** The defaults, documented in docs/configuration.md. */
export const DEFAULT_OPTIONS: ResolvedOptions = {
  connectTimeout: 5000,
  commandTimeout: 5000,
  reconnectAttempts: 3,
  replicaRetryAfter: 1000,
  keepAliveInitialDelay: 10000,
  lanes: 1,
};

/**
 * Fills in the defaults; per-server DSN settings win over the Connection's.
 * @throws {@link ConfigError} when `lanes` is not an integer from 1 to 16.
 */
export function resolveOptions(options: ConnectionOptions | undefined): ResolvedOptions {
  const given: unknown = options?.lanes;
  const lanes = given === undefined ? DEFAULT_OPTIONS.lanes : given;
  if (!(typeof lanes === 'number' && Number.isInteger(lanes) && lanes >= 1 && lanes <= MAX_LANES)) {
    const shown =
      typeof lanes === 'number' ? String(lanes) : lanes === null ? 'null' : typeof lanes;
    throw new ConfigError(`OPTIONS.lanes must be an integer from 1 to ${MAX_LANES}, got ${shown}`);
  }
  return { ...DEFAULT_OPTIONS, ...(options ?? {}), lanes };
}

/**
 * The node-redis client options for one server.
 * @param reconnect - decides whether a dropped connection is reconnected (and when).
 */
export function clientOptions(
  server: ParsedDsn,
  options: ResolvedOptions,
  reconnect: (retries: number, cause: Error) => number | false | Error,
): ClientSettings {
  const connectTimeout = server.connectTimeout ?? options.connectTimeout;
  const tls = server.tls;
  const socket: Record<string, unknown> = server.path
    ? { path: server.path }
    : { host: server.host, port: server.port };
  if (tls) {
    socket.tls = true;
    if (typeof tls === 'object') Object.assign(socket, tls);
    if (!('servername' in socket) && server.host && !/^[\d.:]+$/.test(server.host)) {
      socket.servername = server.host;
    }
  }
  Object.assign(socket, {
    connectTimeout,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: options.keepAliveInitialDelay,
    reconnectStrategy: reconnect,
  });
  const user = options.client ?? {};
  return {
    RESP: server.protocol ?? 3,
    database: server.db,
    username: server.username,
    password: server.password,
    name: server.name,
    commandOptions: { timeout: 0 },
    maintNotifications: 'disabled',
    ...user,
    socket: { ...socket, ...(user.socket ?? {}) },
  } as ClientSettings;
}

/** The RESP version the clients of `server` speak (`client` options win, as in clientOptions). */
export function protocolOf(server: ParsedDsn, options: ResolvedOptions): number {
  const user = (options.client as { RESP?: unknown } | undefined)?.RESP;
  return typeof user === 'number' ? user : (server.protocol ?? 3);
}

/** node-redis client options as `clientOptions` makes them (cast to node-redis' type to use). */
export interface ClientSettings {
  readonly RESP: 2 | 3;
  readonly socket: Record<string, unknown>;
  readonly [option: string]: unknown;
}

/** Delay before reconnect attempt `retries` (0-based): 50, 100, 200... ms, at most 1 s. */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** retries, 1000);
}
