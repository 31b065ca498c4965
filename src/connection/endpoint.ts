import { createClient, ErrorReply } from 'redis';
import type { Command, RedisArg } from '../command.js';
import {
  AuthError,
  CommandError,
  ConnectionError,
  DecodeError,
  RedisextError,
  WrongTypeError,
} from '../errors.js';
import { redact, type ParsedDsn } from './dsn.js';
import { clientOptions, type ResolvedOptions } from './options.js';

/** A connected node-redis client, as the escape hatch hands it out. */
export type RedisClient = ReturnType<typeof createClient>;

const SOCKET_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed by the server',
  ENOENT: 'no such socket file',
};

const AUTH_CODES = new Set(['WRONGPASS', 'NOAUTH', 'NOPERM']);

/**
 * One Redis server seen from one Connection class and role: a lazily opened node-redis client
 * (or a client per call when `REUSE` is off), with a bounded connect, quick reconnects, and a
 * watchdog that drops a connection whose server stopped answering.
 *
 * @internal
 */
export class Endpoint {
  /** Commands sent and not yet answered (the watchdog's input). */
  #inflight = 0;
  /** Replies received so far (the watchdog's input). */
  #progress = 0;
  #client: RedisClient | undefined;
  #connecting: Promise<RedisClient> | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  /** Clients whose commands the watchdog watches (the shared one and per-command ones). */
  readonly #live = new Set<RedisClient>();
  /** Why we destroyed the last client ourselves: the message its rejected commands get. */
  #dropReason: string | undefined;
  /** Until when this endpoint is skipped for reads (replicas only). */
  downUntil = 0;

  readonly #ok = (reply: unknown): unknown => {
    this.#inflight--;
    this.#progress++;
    return reply;
  };

  readonly #settled = (): void => {
    this.#inflight--;
    this.#progress++;
  };

  constructor(
    readonly server: ParsedDsn,
    readonly options: ResolvedOptions,
    readonly reuse: boolean,
  ) {}

  /** `host:port` or the socket path. */
  get address(): string {
    return this.server.address;
  }

  /** True while a shared client exists (open, connecting or reconnecting). */
  get isOpen(): boolean {
    return this.#client !== undefined || this.#connecting !== undefined;
  }

  /** Runs one command and decodes its reply; errors come back typed. */
  exec<R>(command: Command<R>): Promise<R> {
    const client = this.reuse ? this.#client : undefined;
    if (client !== undefined) return this.execOn(client, command);
    return this.use((fresh) => this.execOn(fresh, command));
  }

  /** Runs one command on a given client (shared, per-command or dedicated). */
  execOn<R>(client: RedisClient, command: Command<R>): Promise<R> {
    this.#inflight++;
    return client.sendCommand(command.args).then(
      (reply) => {
        this.#inflight--;
        this.#progress++;
        return finish(command, reply);
      },
      (error: unknown) => {
        this.#inflight--;
        this.#progress++;
        return this.#failed(client, command, error);
      },
    );
  }

  /**
   * Runs `fn` with a connected client: the shared one, or (per-command mode) a fresh one that
   * is closed when `fn` settles.
   */
  async use<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.reuse) return fn(this.#client ?? (await this.client()));
    const client = await this.#open(false);
    this.#watch(client);
    try {
      return await fn(client);
    } finally {
      this.#unwatch(client);
      client.destroy();
    }
  }

  /** The shared client, connecting it on first use. */
  client(): Promise<RedisClient> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open(true).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** Opens a dedicated client (WATCH...): the caller closes it. */
  dedicated(): Promise<RedisClient> {
    return this.#open(false);
  }

  /** Idle clients kept for blocking commands, so a loop of pops does not reconnect each time. */
  readonly #idleBlocking: RedisClient[] = [];
  /** Blocking clients in use, closed by close(). */
  readonly #busyBlocking = new Set<RedisClient>();

  /**
   * Runs `fn` on a connection of its own, for blocking commands (BRPOP, BZPOPMIN...): a blocked
   * command never delays the shared connection. The connection is kept for the next blocking
   * call (at most two idle ones, closed after 5 s idle). When `signal` aborts, the connection is
   * destroyed, which ends the blocked command at once; `fn` then rejects.
   */
  async blocking<T>(
    fn: (client: RedisClient) => Promise<T>,
    signal?: AbortSignal,
    origin?: Command['origin'],
  ): Promise<T> {
    signal?.throwIfAborted();
    let client = this.#idleBlocking.pop();
    while (client !== undefined && !client.isReady) client = this.#idleBlocking.pop();
    client ??= await this.#open(false);
    if (signal?.aborted) {
      client.destroy();
      signal.throwIfAborted();
    }
    this.#busyBlocking.add(client);
    const abort = (): void => client.destroy();
    signal?.addEventListener('abort', abort, { once: true });
    let healthy = true;
    try {
      return await fn(client);
    } catch (error) {
      healthy = false;
      if (signal?.aborted) throw signal.reason;
      throw isDriverError(error) ? this.toError(error, { origin }) : error;
    } finally {
      signal?.removeEventListener('abort', abort);
      this.#busyBlocking.delete(client);
      if (healthy && client.isReady && this.#idleBlocking.length < 2) {
        this.#idleBlocking.push(client);
        const idle = client;
        setTimeout(() => {
          const at = this.#idleBlocking.indexOf(idle);
          if (at >= 0) {
            this.#idleBlocking.splice(at, 1);
            idle.destroy();
          }
        }, 5000).unref();
      } else {
        client.destroy();
      }
    }
  }

  /** Counts a sent command until it settles (the watchdog watches these). */
  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inflight++;
    return promise.then(this.#ok as (reply: T) => T, (error: unknown) => {
      this.#settled();
      throw error;
    });
  }

  /** Tracks a batch of commands sent together. */
  trackMany<T>(promises: Array<Promise<T>>): Array<Promise<T>> {
    return promises.map((p) => this.#track(p));
  }

  async #failed<R>(client: RedisClient, command: Command<R>, error: unknown): Promise<R> {
    if (isNoScript(command, error)) {
      const args = command.script!.toEval(command.args);
      return this.execOn(client, { ...command, args, script: undefined });
    }
    return settle(this, command, error);
  }

  /** Maps a node-redis or socket error to a typed redisext error. */
  toError(error: unknown, command?: Pick<Command, 'origin'>): Error {
    if (error instanceof RedisextError) return error;
    const context = command?.origin
      ? { model: command.origin.modelName, key: command.origin.key }
      : {};
    const secret = this.server.password;
    if (error instanceof ErrorReply) {
      const message = redact(error.message, secret);
      const code = message.split(' ', 1)[0];
      if (code === 'WRONGTYPE') {
        return new WrongTypeError('the key holds a value of another Redis type', context, {
          cause: error,
        });
      }
      if (AUTH_CODES.has(code)) return new AuthError(code, message, context);
      return new CommandError(code, message, context);
    }
    if (error instanceof Error) {
      const code = (error as NodeJS.ErrnoException).code;
      let message = code && SOCKET_CODES[code] ? SOCKET_CODES[code] : redact(error.message, secret);
      if (
        this.#dropReason &&
        /Disconnects|ClientClosed/.test(error.name + error.constructor.name)
      ) {
        message = this.#dropReason;
      }
      return new ConnectionError(this.address, message, context);
    }
    return new ConnectionError(this.address, String(error), context);
  }

  async #open(shared: boolean): Promise<RedisClient> {
    let ready = false;
    const options = clientOptions(this.server, this.options, (retries) => {
      if (!shared || !ready || retries >= this.options.reconnectAttempts) return false;
      return Math.min(50 * 2 ** retries, 1000);
    });
    const client = createClient(options) as RedisClient;
    client.on('error', () => {
      // Reported to the callers of the commands concerned; nothing to do here.
    });
    client.on('ready', () => {
      ready = true;
    });
    if (shared) {
      client.on('end', () => this.#forget(client));
      client.on('terminated', () => this.#forget(client));
    }
    const limit = this.server.connectTimeout ?? this.options.connectTimeout;
    let timer: NodeJS.Timeout | undefined;
    const connecting = client.connect();
    connecting.catch(() => undefined);
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ConnectionError(this.address, `no answer within ${limit} ms while connecting`),
              ),
            limit,
          );
        }),
      ]);
    } catch (error) {
      client.destroy();
      throw this.toError(error);
    } finally {
      clearTimeout(timer);
    }
    if (shared) {
      this.#client = client;
      this.#dropReason = undefined;
      this.#watch(client);
    }
    return client;
  }

  #forget(client: RedisClient): void {
    this.#unwatch(client);
    if (this.#client === client) this.#client = undefined;
  }

  /**
   * Puts a client under the watchdog: one interval timer per endpoint (not one timer per
   * command) that drops the watched clients when commands wait and no reply has come for
   * `commandTimeout` ms.
   */
  #watch(client: RedisClient): void {
    this.#live.add(client);
    const limit = this.server.commandTimeout ?? this.options.commandTimeout;
    if (!limit || this.#watchdog) return;
    const tick = Math.max(5, Math.min(1000, Math.floor(limit / 4)));
    let seen = this.#progress;
    let silent = 0;
    this.#watchdog = setInterval(() => {
      if (this.#inflight <= 0 || this.#progress !== seen) {
        seen = this.#progress;
        silent = 0;
        return;
      }
      silent += tick;
      if (silent < limit) return;
      silent = 0;
      this.#dropReason = `the server sent nothing for ${limit} ms; connection dropped`;
      for (const stalled of [...this.#live]) {
        this.#forget(stalled);
        stalled.destroy();
      }
    }, tick);
    this.#watchdog.unref();
  }

  #unwatch(client: RedisClient): void {
    this.#live.delete(client);
    if (this.#live.size === 0 && this.#watchdog) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }

  /** Closes the shared client; waits for the replies already asked for. */
  async close(): Promise<void> {
    for (const client of [...this.#idleBlocking.splice(0), ...this.#busyBlocking]) client.destroy();
    this.#busyBlocking.clear();
    const pending = this.#connecting;
    if (pending) await pending.catch(() => undefined);
    const client = this.#client;
    if (!client) return;
    this.#dropReason = 'the connection was closed';
    this.#forget(client);
    await client.close().catch(() => client.destroy());
  }
}

/** True when a script command failed because the server does not know the script yet. */
export function isNoScript(command: Command, error: unknown): boolean {
  return (
    command.script !== undefined &&
    error instanceof ErrorReply &&
    error.message.startsWith('NOSCRIPT')
  );
}

/** The result of a failed command: recovered (e.g. RENAME of a missing key → false), or a typed error thrown. */
export function settle<R>(endpoint: Endpoint, command: Command<R>, error: unknown): R {
  if (command.recover && error instanceof Error) {
    const recovered = command.recover(error);
    if (recovered !== undefined) return recovered;
  }
  throw endpoint.toError(error, command);
}

const DRIVER_ERRORS = new Set([
  'AbortError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'ClientClosedError',
  'ClientOfflineError',
  'DisconnectsClientError',
  'SocketClosedUnexpectedlyError',
  'ReconnectStrategyError',
  'TimeoutError',
]);

/** True for errors that come from node-redis or the socket (not from user code). */
export function isDriverError(error: unknown): boolean {
  if (error instanceof ErrorReply) return true;
  if (!(error instanceof Error)) return false;
  return (
    DRIVER_ERRORS.has(error.constructor.name) ||
    typeof (error as NodeJS.ErrnoException).code === 'string'
  );
}

/** Decodes a reply, wrapping decoder failures into a DecodeError that names model and key. */
export function finish<R>(command: Command<R>, reply: unknown): R {
  if (command.decode === undefined) return reply as R;
  try {
    return command.decode(reply);
  } catch (error) {
    if (error instanceof RedisextError) throw error;
    const origin = command.origin;
    throw new DecodeError(
      `cannot decode the stored value: ${error instanceof Error ? error.message : String(error)}`,
      origin ? { model: origin.modelName, key: origin.key } : {},
      { cause: error },
    );
  }
}

/** Arguments of a command as text, for tests and messages. */
export function argsText(args: readonly RedisArg[]): string {
  return args.map((a) => a.toString()).join(' ');
}
