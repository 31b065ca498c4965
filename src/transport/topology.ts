import type { Command } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import type { Endpoint, RedisClient } from './endpoint.js';
import type { ConnectionMetrics } from './metrics.js';
import type { Tracking } from './tracking.js';

/** How a dedicated connection is taken: see {@link Topology.dedicated}. */
export interface Lease {
  /** A cluster node's `host:port` instead of the key's master. */
  readonly address?: string;
  /** Watched by the dead-server watchdog while in use. */
  readonly watched?: boolean;
}

/** Options of a pipeline. */
export interface PipelineOptions {
  /** Send a read-only batch to the master instead of a replica. */
  fromMaster?: boolean;
}

/**
 * How a Connection reaches its data: one master with replicas (standalone or Sentinel), or a
 * Redis Cluster. Models and batches only talk to this interface.
 *
 * @internal
 */
export interface Topology {
  /** Runs one command where it belongs. */
  run<R>(command: Command<R>, fromMaster?: boolean): Promise<R>;
  /**
   * Sends the commands at once (one round trip per server involved) and returns the decoded
   * results in order. @throws PipelineError when some failed.
   */
  pipeline(commands: readonly Command[], options?: PipelineOptions): Promise<unknown[]>;
  /**
   * Runs the commands in MULTI/EXEC (on a cluster: on the node of their slot, following
   * `MOVED` and `ASK`). @throws TransactionError (Redis refused or a command failed),
   * ConnectionError (`outcome` says whether it may have run).
   */
  transaction(commands: readonly Command[]): Promise<unknown[]>;
  /**
   * Runs `fn` on a dedicated connection to the master holding `key` (blocking commands, WATCH).
   * The endpoint maps errors and runs commands on that connection. `lease.address` (a
   * cluster's `host:port`, from an `ASK` redirection) picks another node than the key's master;
   * `lease.watched` puts the connection under the dead-server watchdog for as long as `fn`
   * runs (WATCH: its commands get replies at once; never for blocking commands, which wait).
   */
  dedicated<T>(
    key: string,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    signal?: AbortSignal,
    context?: ErrorContext,
    lease?: Lease,
  ): Promise<T>;
  /**
   * Throws a CrossSlotError when the keys are not all in one cluster hash slot (what a
   * transaction or WATCH on a cluster needs); a no-op elsewhere.
   */
  checkSlots(keys: readonly string[], what: string): void;
  /**
   * After a cluster node answered `MOVED` for `key` on a connection of ours (dedicated, watch):
   * brings the slot map up to date so the next attempt goes to the right node. A no-op elsewhere.
   */
  refresh(key: string): Promise<void>;
  /** Keys matching a glob pattern, page by page, on every master (SCAN). */
  scan(match: string, count: number): AsyncGenerator<string[], void, undefined>;
  /** Deletes keys (UNLINK), whatever their slots; returns how many existed. */
  unlink(keys: readonly string[]): Promise<number>;
  /**
   * The near-cache tracking of this Connection (`tracking.ts`), made on first use: a tracking
   * connection per master, opened on the first read through it.
   * @throws ConfigError on a RESP2 connection or an application client (`CLIENT`).
   */
  tracking(): Tracking;
  /** The tracking if it was made (writes then invalidate through it), else undefined. */
  readonly tracked: Tracking | undefined;
  /** The traffic counters of every server (see `Connection.metrics()`). */
  metrics(): ConnectionMetrics;
  /** Printable description (passwords hidden). */
  describe(): string;
  /** Closes every connection. */
  close(): Promise<void>;
}
