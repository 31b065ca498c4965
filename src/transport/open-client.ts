import { createClient } from 'redis';
import type { RedisClient } from './client-types.js';
import { errorLabel, report } from './debug.js';
import type { ParsedDsn } from './dsn.js';
import { clientOptions, reconnectDelay, type ResolvedOptions } from './options.js';

/** What opening one connection of an endpoint needs. @internal */
export interface OpenSpec {
  /** The server (for Sentinel: the master just looked up). */
  readonly server: ParsedDsn;
  readonly options: ResolvedOptions;
  /** `host:port`, for logs and events. */
  readonly address: string;
  /** A shared connection (reconnects in place, reports its end); else a dedicated one. */
  readonly shared: boolean;
  /** Whether a shared connection may reconnect in place (not when the address is resolved). */
  readonly reconnects: boolean;
  /** Makes the client instead of ours (a duplicate of the application's client). */
  readonly make?: () => RedisClient;
  /**
   * A tracking connection (near cache): `CLIENT TRACKING ON` at each connect (node-redis'
   * `emitInvalidate`), its pushes and its state reported here.
   */
  readonly track?: TrackHooks;
  /** Rejects when the connect deadline passes. */
  readonly deadline: Promise<never>;
  /** A shared connection started reconnecting. */
  onReconnecting(): void;
  /** A shared connection ended for good. */
  onEnd(client: RedisClient): void;
}

/**
 * Creates a node-redis client for an endpoint (our options and reconnect strategy: quick
 * retries for a shared connection that was ready, none for a dedicated one or before the first
 * ready) and connects it within the deadline; on failure it is destroyed and the driver's error
 * thrown.
 *
 * @internal
 */
export async function connectClient(spec: OpenSpec): Promise<RedisClient> {
  const { shared, address } = spec;
  let ready = false;
  const attempts = spec.reconnects ? spec.options.reconnectAttempts : 0;
  const track = spec.track;
  const options = clientOptions(spec.server, spec.options, (retries) => {
    if (!shared || !ready || retries >= attempts) return false;
    return reconnectDelay(retries);
  });
  const client =
    spec.make?.() ??
    (createClient(
      (track ? { ...options, emitInvalidate: true } : options) as never,
    ) as unknown as RedisClient);
  if (track !== undefined) {
    // Registered first: a lost connection empties the near caches before anything else runs.
    client.on('invalidate', (key: unknown) => track.invalidate(key === null ? null : String(key)));
    client.on('error', () => track.down());
    client.on('reconnecting', () => track.down());
    client.on('end', () => track.down());
    client.on('ready', () => track.up());
  }
  // Reported to the callers of the commands concerned; logged with NODE_DEBUG=redisext.
  client.on('error', (error: unknown) => {
    const label = errorLabel(error);
    report({ event: 'error', address, error: label }, '%s: %s', address, label);
  });
  client.on('ready', () => {
    ready = true;
  });
  if (shared) {
    client.on('reconnecting', () => spec.onReconnecting());
    client.on('end', () => spec.onEnd(client));
    client.on('terminated', () => spec.onEnd(client));
  }
  try {
    const connecting = client.connect();
    connecting.catch(() => undefined);
    await Promise.race([connecting, spec.deadline]);
  } catch (error) {
    client.destroy();
    throw error;
  }
  return client;
}

/** What a tracking connection's client reports (wired by `connectClient`). @internal */
export interface TrackHooks {
  /** An invalidation push: a key, or null for a flush of the database. */
  invalidate(key: string | null): void;
  /** The connection failed or ended (pushes may have been lost). */
  down(): void;
  /** The connection is ready, `CLIENT TRACKING ON` sent. */
  up(): void;
}
