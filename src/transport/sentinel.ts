import { createClient } from 'redis';
import { ConnectionError } from '../core/errors.js';
import { resolveServer, type ParsedDsn, type ServerOptions } from './dsn.js';
import type { ServerResolver } from './endpoint.js';
import { mapError } from './error-map.js';
import { clientOptions, type ResolvedOptions } from './options.js';

/**
 * Sentinel configuration of a Connection.
 *
 * @example
 * ```ts
 * class Main extends Connection {
 *   static SENTINEL = {
 *     name: 'mymaster',
 *     sentinels: ['redis://10.0.0.1:26379', 'redis://10.0.0.2:26379'],
 *     server: { password: 'data-node-secret', db: 0 },
 *   };
 *   static READ_FROM_REPLICAS = true;
 * }
 * ```
 */
export interface SentinelConfig {
  /** The master group name, as in `sentinel monitor <name> ...`. */
  name: string;
  /** Sentinel addresses (DSNs or options; their credentials are the sentinels' own). */
  sentinels: ReadonlyArray<string | ServerOptions>;
  /** Settings of the data nodes (master and replicas): db, username, password, tls... */
  server?: Omit<ServerOptions, 'host' | 'port' | 'path'>;
}

type Role = 'master' | 'replica';

function field(entry: unknown, name: string): string | undefined {
  if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2)
      if (String(entry[i]) === name) return String(entry[i + 1]);
    return undefined;
  }
  if (entry && typeof entry === 'object') {
    const value = (entry as Record<string, unknown>)[name];
    return value === undefined ? undefined : String(value);
  }
  return undefined;
}

/** A replica a sentinel reports as healthy. */
function healthy(entry: unknown): boolean {
  const flags = field(entry, 'flags') ?? '';
  return (
    !/s_down|o_down|disconnected/.test(flags) &&
    (field(entry, 'master-link-status') ?? 'ok') === 'ok'
  );
}

/**
 * Looks up the current master (or a healthy replica) of a Sentinel group, asking each sentinel
 * in turn (starting with the last one that answered). Each lookup uses a short-lived connection:
 * lookups only happen when a data connection is (re)opened.
 *
 * @internal
 */
export function sentinelResolver(
  config: SentinelConfig,
  role: Role,
  options: ResolvedOptions,
): ServerResolver {
  const sentinels: ParsedDsn[] = config.sentinels.map((s) => resolveServer(s));
  if (sentinels.length === 0) throw new ConnectionError('sentinel', 'SENTINEL.sentinels is empty');
  let preferred = 0;
  return async () => {
    const errors: string[] = [];
    for (let i = 0; i < sentinels.length; i++) {
      const index = (preferred + i) % sentinels.length;
      const sentinel = sentinels[index];
      const client = createClient(
        clientOptions(sentinel, { ...options, reconnectAttempts: 0 }, () => false),
      );
      client.on('error', () => undefined);
      try {
        await client.connect();
        const address =
          role === 'master'
            ? ((await client.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', config.name])) as
                [string, string] | null)
            : pickReplica(await client.sendCommand(['SENTINEL', 'REPLICAS', config.name]));
        if (!address) {
          errors.push(`${sentinel.address}: no ${role} known for "${config.name}"`);
          continue;
        }
        preferred = index;
        return resolveServer({
          ...(config.server ?? {}),
          host: String(address[0]),
          port: Number(address[1]),
        });
      } catch (error) {
        errors.push(
          mapError(error, { address: sentinel.address, secret: sentinel.password }).message,
        );
      } finally {
        client.destroy();
      }
    }
    throw new ConnectionError(
      `sentinel group "${config.name}"`,
      `no sentinel gave a ${role}: ${errors.join('; ')}`,
    );
  };
}

function pickReplica(reply: unknown): [string, string] | null {
  const candidates = (Array.isArray(reply) ? reply : []).filter(healthy);
  if (candidates.length === 0) return null;
  const chosen = candidates[Math.floor(Math.random() * candidates.length)];
  const host = field(chosen, 'ip');
  const port = field(chosen, 'port');
  return host && port ? [host, port] : null;
}
