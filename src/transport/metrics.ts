/**
 * Counters of a Connection's traffic, readable without a tracer (`Connection.metrics()`). Each
 * endpoint (one server) and the cluster client count in their watchdog, which already counts
 * every command sent and answered; a topology sums them.
 *
 * @module
 */

/** What `Connection.metrics()` returns: totals since the Connection class was first used. */
export interface ConnectionMetrics {
  /**
   * Commands sent on the shared connections: one per direct command, per command of a pipeline
   * or a transaction, per call of merged script calls (docs/architecture.md), as the servers'
   * `INFO commandstats` counts them. Blocking commands (on connections of their own) are not
   * counted.
   */
  commands: number;
  /** Direct commands that failed: an error reply, or a connection lost or dropped. */
  errors: number;
  /** Shared connections opened (one per lane and role; again after each drop). */
  connects: number;
  /** Reconnect attempts of shared connections after a lost connection. */
  reconnects: number;
  /** Connections dropped by the watchdog (a server that stopped answering). */
  drops: number;
}

/** What one server's (or the cluster client's) counters hold. @internal */
export interface Counted {
  readonly inflight: number;
  readonly progress: number;
  readonly errors: number;
  readonly connects: number;
  readonly reconnects: number;
  readonly drops: number;
}

/** The sum of several counters. @internal */
export function sumMetrics(counters: Iterable<Counted>): ConnectionMetrics {
  const total: ConnectionMetrics = { commands: 0, errors: 0, connects: 0, reconnects: 0, drops: 0 };
  for (const counted of counters) {
    total.commands += counted.progress + counted.inflight;
    total.errors += counted.errors;
    total.connects += counted.connects;
    total.reconnects += counted.reconnects;
    total.drops += counted.drops;
  }
  return total;
}
