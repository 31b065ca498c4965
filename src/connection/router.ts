import type { Command } from '../command.js';
import { CommandError, ConnectionError } from '../errors.js';
import type { ParsedDsn } from './dsn.js';
import { Endpoint } from './endpoint.js';
import type { ResolvedOptions } from './options.js';

/** Replies from a replica that mean "ask the master instead". */
const REPLICA_UNAVAILABLE = new Set(['MASTERDOWN', 'LOADING']);

function replicaFailed(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    (error instanceof CommandError && REPLICA_UNAVAILABLE.has(error.code))
  );
}

/**
 * Routes the commands of one Connection class: writes (and reads asked `fromMaster`) to the
 * master; reads round-robin over the replicas that are up, falling back to the master when a
 * replica cannot answer.
 *
 * @internal
 */
export class Router {
  readonly master: Endpoint;
  readonly replicas: readonly Endpoint[];
  #next = 0;

  constructor(
    master: ParsedDsn,
    replicas: readonly ParsedDsn[],
    options: ResolvedOptions,
    reuse: boolean,
  ) {
    this.master = new Endpoint(master, options, reuse);
    this.replicas = replicas.map((server) => new Endpoint(server, options, reuse));
  }

  /** Runs one command where it belongs. */
  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    if (command.write || fromMaster || this.replicas.length === 0) return this.master.exec(command);
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

  /** The endpoint a batch goes to: a replica only when every command reads. */
  endpointFor(write: boolean, fromMaster = false): Endpoint {
    if (write || fromMaster) return this.master;
    return this.replica() ?? this.master;
  }

  /** Closes every client. */
  async close(): Promise<void> {
    await Promise.all([this.master, ...this.replicas].map((endpoint) => endpoint.close()));
  }
}
