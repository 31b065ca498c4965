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
  const client =
    spec.make?.() ??
    (createClient(
      clientOptions(spec.server, spec.options, (retries) => {
        if (!shared || !ready || retries >= attempts) return false;
        return reconnectDelay(retries);
      }) as never,
    ) as unknown as RedisClient);
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
