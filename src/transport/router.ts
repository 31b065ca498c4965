import type { Command } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import { CommandError, ConfigError, ConnectionError } from '../core/errors.js';
import { runPipeline } from './batch-exec.js';
import { replyOptions } from './reply-options.js';
import type { ParsedDsn } from './dsn.js';
import { Endpoint, type RedisClient, type ServerResolver } from './endpoint.js';
import { sumMetrics, type ConnectionMetrics } from './metrics.js';
import {
  follow,
  followDedicated,
  mayRetry,
  transactionMayRetry,
  type Following,
} from './follow.js';
import { protocolOf, type ResolvedOptions } from './options.js';
import { scanServer } from './scan.js';
import type { Lease, PipelineOptions, Topology } from './topology.js';
import { errorLabel, report } from './debug.js';
import { TRACKED_READ, Tracking } from './tracking.js';

/** Replies from a replica that mean "ask elsewhere". */
const REPLICA_UNAVAILABLE = new Set(['MASTERDOWN', 'LOADING']);

function replicaFailed(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    (error instanceof CommandError && REPLICA_UNAVAILABLE.has(error.code))
  );
}

/** A pipeline on one endpoint: one connection for the whole batch. */
function pipelineOn(endpoint: Endpoint, commands: readonly Command[]): Promise<unknown[]> {
  const route = { serverOf: () => endpoint.address, ordered: true, meter: endpoint.meter };
  return endpoint.use((client) =>
    runPipeline(
      endpoint,
      (args, command) => client.sendCommand(args, replyOptions(command)),
      commands,
      route,
    ),
  );
}

/** A server of a Router: fixed, or looked up on each connect (Sentinel). */
export interface RoutedServer {
  readonly server: ParsedDsn;
  readonly resolve?: ServerResolver;
  /** The application's own client for this server (`static CLIENT`), never closed by us. */
  readonly client?: RedisClient;
}

/** A replica that failed: skipped for reads for `replicaRetryAfter` ms (logged, published). */
function skip(replica: Endpoint, error: unknown): void {
  replica.downUntil = Date.now() + replica.options.replicaRetryAfter;
  const label = errorLabel(error);
  report(
    { event: 'replica-skipped', address: replica.address, error: label },
    '%s: replica skipped: %s',
    replica.address,
    label,
  );
}

/** Nothing to refresh: a Sentinel master is looked up again on each connect. */
const nothing = (): Promise<void> => Promise.resolve();

/**
 * The topology of one master and its replicas (fixed addresses, or found through Sentinel):
 * writes (and reads asked `fromMaster`) go to the master; reads round-robin over the replicas
 * that are up, falling back to the next replica, then the master, when one cannot answer.
 *
 * With Sentinel, a failover is followed: a call on the master that surely did not run (its
 * connection could not be opened: the old master is gone, the sentinels do not name the new one
 * yet) is tried again, the master looked up again each time, for at most connectTimeout
 * (`follow`); one that may have run rejects with a `ConnectionError` (`outcome: 'unknown'`).
 *
 * @internal
 */
export class Router implements Topology {
  readonly master: Endpoint;
  readonly replicas: readonly Endpoint[];
  #next = 0;
  /** Sentinel: how long a call on the master is followed through a failover (else undefined). */
  readonly #budget: number | undefined;
  /** Counts `close()` calls: a call followed across one stops there. */
  #generation = 0;
  /** The near cache's tracking and its connection to the master, once asked for. */
  #tracking: { tracking: Tracking; endpoint: Endpoint } | undefined;

  /** The traffic counters of the master and the replicas. */
  metrics(): ConnectionMetrics {
    const endpoints = [this.master, ...this.replicas];
    if (this.#tracking) endpoints.push(this.#tracking.endpoint);
    return sumMetrics(endpoints.map((endpoint) => endpoint.meter));
  }

  constructor(
    private readonly masterSpec: RoutedServer,
    replicas: readonly RoutedServer[],
    private readonly options: ResolvedOptions,
    reuse: boolean,
  ) {
    const master = masterSpec;
    this.master = new Endpoint(master.server, options, reuse, master.resolve, master.client);
    this.replicas = replicas.map((r) => new Endpoint(r.server, options, reuse, r.resolve));
    if (master.resolve) this.#budget = master.server.connectTimeout ?? options.connectTimeout;
  }

  /** How a call on the master follows a failover; until `close()`. */
  #following(budget: number, retriable: (error: unknown) => boolean): Following {
    const generation = this.#generation;
    return { budget, refresh: nothing, retriable, live: () => this.#generation === generation };
  }

  /** Runs `attempt` on the master; with Sentinel, follows a failover (see the class). */
  #onMaster<T>(attempt: () => Promise<T>, retriable: (error: unknown) => boolean): Promise<T> {
    const budget = this.#budget;
    if (budget === undefined) return attempt();
    const how = this.#following(budget, retriable);
    return attempt().catch((error: unknown) => follow(attempt, how, { error }));
  }

  #exec<R>(command: Command<R>): Promise<R> {
    if (this.#budget === undefined) return this.master.exec(command);
    return this.#onMaster(
      () => this.master.exec(command),
      (error) => mayRetry(error, command),
    );
  }

  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    if (command.write || command.primary || fromMaster || this.replicas.length === 0) {
      return this.#exec(command);
    }
    const replica = this.replica();
    if (replica === undefined) return this.#exec(command);
    return replica.exec(command).catch((error: unknown) => {
      if (!replicaFailed(error)) throw error;
      skip(replica, error);
      return this.run(command); // the next replica that is up, else the master
    });
  }

  /** The next replica that is not known to be down, if any. */
  replica(): Endpoint | undefined {
    const count = this.replicas.length;
    if (count === 0) return undefined;
    const now = Date.now();
    for (let i = 0; i < count; i++) {
      const candidate = this.replicas[this.#next++ % count];
      if (candidate.downUntil <= now) return candidate;
    }
    return undefined;
  }

  async pipeline(commands: readonly Command[], options: PipelineOptions = {}): Promise<unknown[]> {
    const writes = commands.some((command) => command.write || command.primary);
    const endpoint = writes || options.fromMaster ? this.master : (this.replica() ?? this.master);
    // Only a batch that was not sent at all (a ConnectionError, not a PipelineError) is retried.
    const onMaster = (): Promise<unknown[]> =>
      this.#onMaster(() => pipelineOn(this.master, commands), mayRetry);
    if (endpoint === this.master) return onMaster();
    try {
      return await pipelineOn(endpoint, commands);
    } catch (error) {
      if (!replicaFailed(error)) throw error;
      skip(endpoint, error);
      return onMaster();
    }
  }

  async transaction(commands: readonly Command[]): Promise<unknown[]> {
    const master = this.master;
    const outcome = await this.#onMaster(
      () => master.use((client) => master.transactionOn(client, commands, { metered: true })),
      transactionMayRetry,
    );
    if (outcome.kind === 'done') return outcome.results;
    throw new CommandError(
      'ERR',
      outcome.kind === 'watch-failed'
        ? 'EXEC answered nil without WATCH'
        : `unexpected ${outcome.reason} from a server that is not a cluster node`,
    );
  }

  dedicated<T>(
    _key: string,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    signal?: AbortSignal,
    context?: ErrorContext,
    lease?: Lease,
  ): Promise<T> {
    const master = this.master;
    const attempt = (started: (run: (client: RedisClient) => Promise<T>) => typeof run) =>
      master.blocking(
        started((client) => fn(client, master)),
        signal,
        context,
        lease?.watched,
      );
    const budget = this.#budget;
    if (budget === undefined) return attempt((run) => run);
    const how = this.#following(budget, () => true);
    return followDedicated<RedisClient, T>(attempt, how, () => signal?.aborted !== true);
  }

  checkSlots(): void {
    // One server holds every key.
  }

  scan(match: string, count: number): AsyncGenerator<string[], void, undefined> {
    const master = this.master;
    return scanServer((args) => master.exec({ args, write: false }), match, count);
  }

  refresh(): Promise<void> {
    return Promise.resolve(); // one server: nothing to look up
  }

  async unlink(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return Number(await this.master.exec({ args: ['UNLINK', ...keys], write: true }));
  }

  get tracked(): Tracking | undefined {
    return this.#tracking?.tracking;
  }

  tracking(): Tracking {
    if (this.#tracking) return this.#tracking.tracking;
    const { server, resolve, client } = this.masterSpec;
    if (client !== undefined) {
      throw new ConfigError(
        'the near cache needs connections of its own: not available with an application client (CLIENT)',
      );
    }
    if (protocolOf(server, this.options) !== 3) {
      throw new ConfigError('the near cache needs RESP3 (CLIENT TRACKING pushes): protocol is 2');
    }
    // The route is only used once the endpoint exists.
    const tracking: Tracking = new Tracking({
      endpointOf: () => endpoint,
      refresh: nothing,
      endpoints: () => [endpoint],
      follow: (attempt, error) => {
        const budget = this.#budget;
        if (budget === undefined) return Promise.reject(error as Error);
        return follow(
          attempt,
          this.#following(budget, (e) => mayRetry(e, TRACKED_READ)),
          {
            error,
          },
        );
      },
    });
    const endpoint: Endpoint = new Endpoint(
      server,
      this.options,
      true,
      resolve,
      undefined,
      tracking.hooks(),
    );
    this.#tracking = { tracking, endpoint };
    return tracking;
  }

  describe(): string {
    const parts = [`master ${String(this.master.server)}`];
    for (const replica of this.replicas) parts.push(`replica ${String(replica.server)}`);
    return parts.join(', ');
  }

  async close(): Promise<void> {
    this.#generation += 1;
    const endpoints = [this.master, ...this.replicas];
    if (this.#tracking) {
      this.#tracking.tracking.close();
      endpoints.push(this.#tracking.endpoint);
    }
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  }
}
