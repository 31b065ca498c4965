import { ConnectionError, type ErrorContext } from '../core/errors.js';
import type { RedisClient } from './client-types.js';
import { resolveServer, type ParsedDsn } from './dsn.js';

/**
 * A node-redis client the application made and handed over (`static CLIENT`,
 * `Connection.fromClient`): an endpoint shares it for its commands, but never closes it,
 * destroys it or changes its options. So:
 *
 * - it is connected on first use only if the application has not connected it; once it was open
 *   and is closed, calls fail (`not-sent`) rather than reopen it behind the application's back;
 * - a server that stops answering cannot be handled by destroying the connection, as with ours:
 *   the calls waiting on it are rejected instead (a `ConnectionError`, outcome unknown), and
 *   their late replies, if any come, are dropped; reconnecting stays the client's own business;
 * - connections of its own (blocking commands, `watch()`) are duplicates of it, with its options:
 *   those are ours, and closed by `Connection.close()`.
 *
 * @internal
 */
export class ExternalClient {
  /** The calls waiting for a reply on the client, for the watchdog's rejection. */
  readonly #waiting = new Set<(error: Error) => void>();
  #started = false;

  constructor(
    readonly client: RedisClient,
    /** `host:port` of its server, for errors. */
    readonly address: string,
  ) {}

  /** The client, connected (once, if the application had not): bounded by `deadline`. */
  async ready(deadline: Promise<never>): Promise<RedisClient> {
    const client = this.client;
    if (client.isOpen) {
      this.#started = true;
      return client;
    }
    if (this.#started) {
      throw new ConnectionError(
        this.address,
        "the application's client is closed",
        {},
        {
          outcome: 'not-sent',
        },
      );
    }
    this.#started = true;
    const connecting = client.connect();
    connecting.catch(() => undefined);
    await Promise.race([connecting, deadline]);
    return client;
  }

  /** A connection of our own with the client's options (not connected yet). */
  duplicate(): RedisClient {
    return this.client.duplicate();
  }

  /** `pending` (a call on the client), rejected by {@link stall} if that comes first. */
  guard<T>(pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiting = this.#waiting;
      waiting.add(reject);
      pending.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          waiting.delete(reject);
          reject(error);
        },
      );
    });
  }

  /** The server sent nothing for too long: every call waiting on the client is rejected. */
  stall(message: string, context?: ErrorContext): void {
    const rejects = [...this.#waiting];
    this.#waiting.clear();
    for (const reject of rejects) reject(new ConnectionError(this.address, message, context));
  }
}

/**
 * Where an application's client connects, as a server description for our errors and logs
 * (`host:port` or the socket path; its password kept only to be hidden from messages): read
 * from the client's options (`url`, `socket`).
 */
export function serverOf(client: RedisClient): ParsedDsn {
  const options = (client as { options?: Record<string, unknown> }).options ?? {};
  const socket = (options.socket ?? {}) as { host?: unknown; port?: unknown; path?: unknown };
  const password = typeof options.password === 'string' ? options.password : undefined;
  if (typeof socket.path === 'string') return resolveServer({ path: socket.path, password });
  if (typeof options.url === 'string') {
    const url = new URL(options.url);
    return resolveServer({
      host: url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: url.port === '' ? 6379 : Number(url.port),
      password: password ?? (url.password === '' ? undefined : decodeURIComponent(url.password)),
    });
  }
  return resolveServer({
    host: typeof socket.host === 'string' ? socket.host : '127.0.0.1',
    port: typeof socket.port === 'number' ? socket.port : 6379,
    password,
  });
}
