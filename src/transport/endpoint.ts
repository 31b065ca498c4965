import type { BlockingEndpoint, RedisClient } from './blocking-endpoint.js';
import { Call, type Command } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import { finish, settle } from '../core/reply.js';
import type { ParsedDsn } from './dsn.js';
import { isDriverError, mapError, replyCode } from './error-map.js';
import { runTransaction, type TransactionOutcome } from './batch-exec.js';
import { evalOf, isNoScript } from './scripts.js';
import { replyOptions } from './reply-options.js';
import { closeWithin, connectDeadline } from './deadline.js';
import type { ResolvedOptions } from './options.js';
import { connectClient, type TrackHooks } from './open-client.js';
import { Watchdog } from './watchdog.js';
import { boundedWait, gaveUp } from './bounded-wait.js';
import { DedicatedConnections } from './dedicated.js';
import { Lanes } from './lanes.js';
import { LaneMergers, type MergePort } from './merger.js';
import { ExternalClient } from './external.js';
import { errorLabel, report } from './debug.js';

export type { BlockingEndpoint, RedisClient } from './blocking-endpoint.js';

/** A `recover` that turns no error into a result: the error goes on as it is. */
const rethrow = (error: Error): never => {
  throw error;
};

/** Finds the server to connect to now (Sentinel: the current master). */
export type ServerResolver = () => Promise<ParsedDsn>;

/**
 * One Redis server seen from one Connection class and role: lazily opened shared node-redis
 * clients, one per lane (`lanes`, see `Lanes`; or a client per call when `REUSE` is off), with a
 * bounded connect, quick reconnects, a watchdog that drops the connections of a server that
 * stopped answering, and a small pool of dedicated connections for blocking commands.
 *
 * With a resolver (Sentinel), the address is looked up on every connect, and a `READONLY` reply
 * (the master was demoted) drops the connection and retries the command once on the new master.
 *
 * @internal
 */
export class Endpoint implements BlockingEndpoint {
  #server: ParsedDsn;
  /** The shared clients: lane 0 for batches, `client()` and keyless commands. */
  readonly #lanes: Lanes<RedisClient>;
  /** Why we destroyed clients ourselves: the message their rejected commands get. */
  #dropReason: string | undefined;
  readonly #watchdog: Watchdog<RedisClient>;
  /** Connections for blocking commands and WATCH, kept so a loop of pops does not reconnect. */
  readonly #dedicated = new DedicatedConnections<RedisClient>();
  /** Per lane: the script calls held until the end of the tick, to go as one (see `Merger`). */
  readonly #mergers: LaneMergers<RedisClient>;
  /** Commands already retried after a READONLY reply. */
  readonly #retried = new WeakSet<Command>();
  /** The application's own client, when it handed one over (see `ExternalClient`). */
  readonly #external: ExternalClient | undefined;
  /** Until when this endpoint is skipped for reads (replicas only). */
  downUntil = 0;

  constructor(
    server: ParsedDsn,
    readonly options: ResolvedOptions,
    readonly reuse: boolean,
    private readonly resolve?: ServerResolver,
    external?: RedisClient,
    /** A tracking connection's hooks (near cache, see `tracking.ts`): one lane, tracking on. */
    private readonly track?: TrackHooks,
  ) {
    this.#server = server;
    this.#external = external && new ExternalClient(external, server.address);
    const lanes = external || track ? 1 : (server.lanes ?? options.lanes);
    this.#lanes = new Lanes(lanes, (lane) => this.#open(lane));
    this.#mergers = new LaneMergers(this.#lanes.count, (lane) => this.#mergePort(lane));
    const limit = server.commandTimeout ?? options.commandTimeout;
    this.#watchdog = new Watchdog<RedisClient>(limit, (stalled) => {
      this.#dropReason = `the server sent nothing for ${limit} ms; connection dropped`;
      report(
        { event: 'drop', address: this.address, detail: `no reply for ${limit} ms` },
        '%s: no reply for %d ms; %d connections dropped',
        this.address,
        limit,
        stalled.length,
      );
      for (const client of stalled) {
        const external = this.#external;
        if (client === external?.client) {
          // Not ours to destroy: its waiting calls are rejected, and it stays watched.
          external.stall(`the server sent nothing for ${limit} ms`);
          this.#watchdog.watch(client);
          continue;
        }
        this.#forget(client);
        client.destroy();
      }
    });
  }

  /** The server (for Sentinel: the one last connected to). */
  get server(): ParsedDsn {
    return this.#server;
  }

  /** `host:port` or the socket path. */
  get address(): string {
    return this.#server.address;
  }

  /** Whether the shared client of lane 0 is connected now. */
  get isOpen(): boolean {
    return this.#lanes.clientAt(0) !== undefined;
  }

  /**
   * How long after a blocking command's own timeout the client waits for its reply before it
   * gives up (`commandTimeout`; 0: no client-side bound).
   */
  get margin(): number {
    return this.#server.commandTimeout ?? this.options.commandTimeout;
  }

  /**
   * See {@link BlockingEndpoint.bounded}: the call rejects with a `ConnectionError`
   * (`outcome: 'unknown'`); the connection waits, unused and unreferenced, for the late reply,
   * then closes (`close()` closes it sooner).
   */
  bounded<T>(
    client: RedisClient,
    pending: Promise<T>,
    options: { wait: number; signal?: AbortSignal; late?: (reply: T) => unknown },
    context?: ErrorContext,
  ): Promise<T> {
    return boundedWait(pending, {
      ...options,
      margin: this.margin,
      expired: (waited) => gaveUp(this.address, waited, context),
      adopt: (settled) => this.#dedicated.adopt(client, settled),
    });
  }

  /** Marks a dedicated connection in use as not to be reused (see `BlockingEndpoint`). */
  discard(client: RedisClient): void {
    this.#dedicated.discard(client);
  }

  /**
   * Runs one command (on the lane of its key) and decodes its reply; errors come back typed.
   * Script calls issued in the same tick on one lane go as one call (see `Merger`); any other
   * command sends them first, so the lane keeps the order commands were issued in.
   */
  exec<R>(command: Command<R>): Promise<R> {
    if (!this.reuse) return this.use((fresh) => this.execOn(fresh, command));
    const lanes = this.#lanes;
    const lane = lanes.laneOf(command.key);
    const client = lanes.clientAt(lane);
    if (client === undefined) {
      return lanes.connect(lane).then((fresh) => this.#send(lane, fresh, command));
    }
    return this.#send(lane, client, command);
  }

  /** Sends on a shared lane: a script call held to merge, or anything else after those held. */
  #send<R>(lane: number, client: RedisClient, command: Command<R>): Promise<R> {
    if (LaneMergers.merges(command)) return this.#mergers.add(lane, command);
    this.#mergers.flush(lane);
    return this.execOn(client, command);
  }

  /** How a lane's merged calls go: on the lane's client of the moment they are sent. */
  #mergePort(lane: number): MergePort<RedisClient> {
    return {
      client: () => this.#lanes.clientAt(lane) ?? this.#lanes.connect(lane),
      one: (client, command) => this.execOn(client, command),
      // `rethrow`: a failed runner call rejects with the error as the driver gave it (after the
      // EVAL fallback and the READONLY retry), so that `fail` types it with each call's model
      // and key.
      runner: (client, args, script) =>
        this.execOn(
          client,
          new Call(args, true, undefined, undefined, undefined, script, undefined, rethrow),
        ),
      settle: (client, command, reply) =>
        reply instanceof Error ? this.#failed(client, command, reply) : finish(command, reply),
      fail: (client, command, error) => this.#failed(client, command, error),
    };
  }

  /** Runs one command on a given client (shared, per-command or dedicated). */
  execOn<R>(client: RedisClient, command: Command<R>): Promise<R> {
    const watchdog = this.#watchdog;
    watchdog.inflight++;
    const external = this.#external;
    if (external !== undefined && client === external.client) {
      return external.guard(this.#sendOn(client, command));
    }
    return this.#sendOn(client, command);
  }

  #sendOn<R>(client: RedisClient, command: Command<R>): Promise<R> {
    const watchdog = this.#watchdog;
    return client.sendCommand(command.args, replyOptions(command)).then(
      (reply) => {
        watchdog.settled();
        return finish(command, reply);
      },
      (error: unknown) => {
        watchdog.settled();
        return this.#failed(client, command, error);
      },
    );
  }

  /**
   * Runs the commands in MULTI/EXEC on `client` (shared, per-command or dedicated); see
   * `runTransaction`. `metered`: count the commands for the watchdog (the shared client).
   */
  transactionOn(
    client: RedisClient,
    commands: readonly Command[],
    options: { asking?: boolean; metered?: boolean } = {},
  ): Promise<TransactionOutcome> {
    return runTransaction(this, (args, options) => client.sendCommand(args, options), commands, {
      asking: options.asking,
      meter: options.metered ? this.#watchdog : undefined,
    });
  }

  async #failed<R>(client: RedisClient, command: Command<R>, error: unknown): Promise<R> {
    if (isNoScript(command, error)) return this.execOn(client, evalOf(command));
    this.#watchdog.errors++;
    if (this.resolve && replyCode(error) === 'READONLY' && !this.#retried.has(command)) {
      // The master was demoted (failover): reconnect to the new one and run the command again
      // (a READONLY reply means it did not run).
      this.#retried.add(command);
      report(
        { event: 'failover', address: this.address, detail: 'READONLY' },
        '%s: READONLY (failover): the command runs again on the new master',
        this.address,
      );
      this.#dropReason = 'the server became a replica (failover); connection dropped';
      this.#forget(client);
      client.destroy();
      return this.exec(command);
    }
    return settle(this, command, error);
  }

  /** Maps a driver error to a typed error naming the model and key. */
  toError(error: unknown, context?: ErrorContext): Error {
    return mapError(
      error,
      { address: this.address, secret: this.#server.password, dropReason: this.#dropReason },
      context,
    );
  }

  /** The watchdog's counters, for batches that count their commands themselves. */
  get meter(): Watchdog<RedisClient> {
    return this.#watchdog;
  }

  /**
   * Runs `fn` with a connected client: the shared one of lane 0, or (per-command mode) a fresh
   * one that is closed when `fn` settles.
   */
  async use<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    this.#mergers.flushAll();
    const external = this.#external;
    if (external !== undefined) return external.guard(fn(await this.client()));
    if (this.reuse) return fn(this.#lanes.clientFor(undefined) ?? (await this.client()));
    const client = await this.#open();
    this.#watchdog.watch(client);
    try {
      return await fn(client);
    } finally {
      this.#watchdog.unwatch(client);
      client.destroy();
    }
  }

  /** The shared client of lane 0, connecting it on first use. */
  client(): Promise<RedisClient> {
    return this.#lanes.connect(0);
  }

  /**
   * Runs `fn` on a connection of its own, for blocking commands (BRPOP, BZPOPMIN...) and WATCH:
   * it never delays the shared connection, and is not subject to the watchdog unless `watched`
   * (a blocking command bounds its wait with {@link bounded}). The connection is kept for the
   * next call (two idle ones at most, or as many as are in use; closed after 5 s idle). When `signal`
   * aborts, the connection is destroyed, which ends a blocked command at once; the call then
   * rejects with the signal's reason.
   */
  blocking<T>(
    fn: (client: RedisClient) => Promise<T>,
    signal?: AbortSignal,
    context?: ErrorContext,
    watched = false,
  ): Promise<T> {
    return this.#dedicated.run(() => this.#open(), fn, {
      signal,
      watchdog: watched ? this.#watchdog : undefined,
      mapError: (error) => (isDriverError(error) ? this.toError(error, context) : error),
    });
  }

  /** Opens a client: the shared one of `lane` (watched, forgotten on end), else a dedicated one. */
  async #open(lane?: number): Promise<RedisClient> {
    const limit = this.#server.connectTimeout ?? this.options.connectTimeout;
    const deadline = connectDeadline(limit, this.address);
    const external = this.#external;
    let client: RedisClient;
    try {
      if (this.resolve) this.#server = await Promise.race([this.resolve(), deadline.promise]);
      client =
        external !== undefined && lane !== undefined
          ? await external.ready(deadline.promise)
          : await connectClient({
              server: this.#server,
              options: this.options,
              address: this.address,
              shared: lane !== undefined,
              // A resolved (Sentinel) address may change: reconnect by resolving again.
              reconnects: this.resolve === undefined,
              make: external && (() => external.duplicate()),
              track: lane === undefined ? undefined : this.track,
              deadline: deadline.promise,
              onReconnecting: () => {
                this.#watchdog.reconnects++;
                report(
                  { event: 'reconnect', address: this.address },
                  '%s: reconnecting',
                  this.address,
                );
              },
              onEnd: (ended) => this.#forget(ended),
            });
    } catch (error) {
      const label = errorLabel(error);
      report(
        { event: 'connect-failed', address: this.address, error: label },
        '%s: connect failed: %s',
        this.address,
        label,
      );
      throw this.toError(error);
    } finally {
      deadline.clear();
    }
    const kind =
      lane === undefined
        ? 'dedicated'
        : external !== undefined
          ? 'application client'
          : lane > 0
            ? `shared, lane ${lane}`
            : 'shared';
    report(
      { event: 'connect', address: this.address, detail: kind },
      '%s: connected (%s)',
      this.address,
      kind,
    );
    if (lane !== undefined) {
      this.#watchdog.connects++;
      this.#dropReason = undefined;
      this.#watchdog.watch(client);
    }
    return client;
  }

  #forget(client: RedisClient): void {
    this.#watchdog.unwatch(client);
    this.#lanes.forget(client);
  }

  /**
   * Closes the shared clients, every lane (waiting for the replies already asked for, at most
   * `commandTimeout` ms), and every other one; never the application's own client.
   */
  async close(): Promise<void> {
    this.#mergers.flushAll();
    this.#dedicated.closeAll();
    const clients = await this.#lanes.connected();
    if (clients.length === 0) return;
    this.#dropReason = 'the connection was closed';
    for (const client of clients) this.#forget(client);
    // The application's client is the application's to close.
    const ours = clients.filter((client) => client !== this.#external?.client);
    await Promise.all(ours.map((client) => closeWithin(client, this.margin)));
  }
}
