import type { Command } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import { CommandError, ConnectionError } from '../core/errors.js';
import { runPipeline } from './batch-exec.js';
import { replyOptions } from './reply-options.js';
import type { ParsedDsn } from './dsn.js';
import { Endpoint, type RedisClient, type ServerResolver } from './endpoint.js';
import type { ResolvedOptions } from './options.js';
import { scanServer } from './scan.js';
import type { Lease, PipelineOptions, Topology } from './topology.js';

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
}

/**
 * The topology of one master and its replicas (fixed addresses, or found through Sentinel):
 * writes (and reads asked `fromMaster`) go to the master; reads round-robin over the replicas
 * that are up, falling back to the next replica, then the master, when one cannot answer.
 *
 * @internal
 */
export class Router implements Topology {
  readonly master: Endpoint;
  readonly replicas: readonly Endpoint[];
  #next = 0;

  constructor(
    master: RoutedServer,
    replicas: readonly RoutedServer[],
    options: ResolvedOptions,
    reuse: boolean,
  ) {
    this.master = new Endpoint(master.server, options, reuse, master.resolve);
    this.replicas = replicas.map((r) => new Endpoint(r.server, options, reuse, r.resolve));
  }

  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    if (command.write || command.primary || fromMaster || this.replicas.length === 0) {
      return this.master.exec(command);
    }
    const replica = this.replica();
    if (replica === undefined) return this.master.exec(command);
    return replica.exec(command).catch((error: unknown) => {
      if (!replicaFailed(error)) throw error;
      replica.downUntil = Date.now() + replica.options.replicaRetryAfter;
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
    try {
      return await pipelineOn(endpoint, commands);
    } catch (error) {
      if (endpoint === this.master || !replicaFailed(error)) throw error;
      endpoint.downUntil = Date.now() + endpoint.options.replicaRetryAfter;
      return pipelineOn(this.master, commands);
    }
  }

  async transaction(commands: readonly Command[]): Promise<unknown[]> {
    const master = this.master;
    const outcome = await master.use((client) =>
      master.transactionOn(client, commands, { metered: true }),
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
    return master.blocking((client) => fn(client, master), signal, context, lease?.watched);
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

  describe(): string {
    const parts = [`master ${String(this.master.server)}`];
    for (const replica of this.replicas) parts.push(`replica ${String(replica.server)}`);
    return parts.join(', ');
  }

  async close(): Promise<void> {
    await Promise.all([this.master, ...this.replicas].map((endpoint) => endpoint.close()));
  }
}
