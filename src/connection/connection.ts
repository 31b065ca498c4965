import { inspect } from 'node:util';
import { ConfigError, DsnError } from '../core/errors.js';
import { resolveServer } from '../transport/dsn.js';
import type { ConnectionOptions } from '../transport/options.js';
import { ClusterRouter } from '../transport/cluster.js';
import type { RedisClient, RedisClusterClient } from '../transport/client-types.js';
import { Router } from '../transport/router.js';
import type { SentinelConfig } from '../transport/sentinel.js';
import type { Topology } from '../transport/topology.js';
import type { ConnectionMetrics } from '../transport/metrics.js';
import { createRouter, isClient, specs, type ServerSpec } from './create-router.js';
import type { Batch, BatchResults, Queued } from '../batch/batch.js';
import {
  pipeline,
  transaction,
  watch,
  type BatchBuilder,
  type PipelineOptions,
  type WatchOptions,
} from '../batch/run.js';
import type { WatchSession } from '../batch/watch-session.js';

export type { ServerSpec } from './create-router.js';

const routers = new WeakMap<typeof Connection, Topology>();
const byDsn = new globalThis.Map<string, typeof Connection>();

/**
 * Where models keep their data. Subclass it and set static fields; nothing connects until the
 * first command, then one client per role (master, each replica) is shared by every model of
 * this class (or `OPTIONS.lanes` clients per role, commands spread by key slot).
 *
 * @example
 * ```ts
 * class Main extends Connection {
 *   static MASTER = 'redis://127.0.0.1:6379/0';
 *   static SLAVE = 'redis://127.0.0.1:6380/0'; // optional: reads go here
 * }
 * // ...
 * await Main.close();
 * ```
 */
export class Connection {
  /** The master: a DSN or options. Writes go here (and reads, without replicas). */
  static MASTER?: ServerSpec;
  /**
   * Replicas for reads: one or several, round-robin; a replica that fails is skipped. The
   * Python ancestor's name, kept; {@link Connection.REPLICA} is the same (set one of them).
   */
  static SLAVE?: ServerSpec | readonly ServerSpec[];
  /** Replicas for reads: the same as {@link Connection.SLAVE} (set one of them). */
  static REPLICA?: ServerSpec | readonly ServerSpec[];
  /**
   * The application's own node-redis client, used instead of `MASTER` (replicas may still be
   * named by `SLAVE`/`REPLICA`). redisext sends its commands on it, connects it if it never was,
   * and never closes, destroys or reconfigures it: `Connection.close()` leaves it open, its
   * reconnects follow its own options, and a server that stops answering gets our waiting calls
   * rejected (outcome unknown) instead of a destroyed connection. Blocking commands and
   * `watch()` use duplicates of it (`client.duplicate()`), which are ours to close. See
   * {@link Connection.fromClient}.
   */
  static CLIENT?: RedisClient;
  /**
   * `true` (default): connect lazily and share one client per role (`OPTIONS.lanes` of them). `false`: every command (or
   * batch) opens a connection and closes it afterwards.
   */
  static REUSE = true;
  /** Timeouts, reconnects and raw node-redis options; see {@link ConnectionOptions}. */
  static OPTIONS?: ConnectionOptions;
  /**
   * Redis Cluster seed nodes (one is enough; credentials and TLS of the first apply to every
   * node). Replaces MASTER/SLAVE.
   */
  static CLUSTER?: ServerSpec | readonly ServerSpec[];
  /** Sentinel-managed replication: the group name, the sentinels, the data nodes' settings. */
  static SENTINEL?: SentinelConfig;
  /** Cluster and Sentinel: send reads to replicas (default false: everything to masters). */
  static READ_FROM_REPLICAS = false;

  /**
   * The router of this class (created on first use, opens nothing by itself).
   * @internal
   */
  static router(): Topology {
    let router = routers.get(this);
    if (router === undefined) {
      router = createRouter(this);
      routers.set(this, router);
    }
    return router;
  }

  /**
   * Traffic counters of this Connection class since its first use, summed over its servers:
   * commands sent, direct commands failed, connects, reconnects and watchdog drops. Readable
   * without a tracer; see docs/observability.md.
   */
  static metrics(): ConnectionMetrics {
    return this.router().metrics();
  }

  /**
   * A Connection class on the application's own node-redis client (see {@link Connection.CLIENT}).
   *
   * @example
   * ```ts
   * const client = createClient({ url: process.env.REDIS_URL });
   * await client.connect();
   * const Main = Connection.fromClient(client);
   * class Visits extends Counter { static CONNECTION = Main; }
   * ```
   */
  static fromClient(client: RedisClient): typeof Connection {
    if (!isClient(client)) {
      throw new ConfigError('Connection.fromClient() needs a node-redis client (createClient())');
    }
    return class FromClient extends Connection {
      static override CLIENT = client;
    };
  }

  /** Where this Connection's data lives, printable (passwords hidden). */
  static describe(): string {
    return this.router().describe();
  }

  /**
   * The node-redis client of a role, connected: the escape hatch for commands no model offers.
   * Do not close it: {@link Connection.close} does. With `REUSE = false` it is still the
   * shared client of that role, opened on demand.
   *
   * @example
   * ```ts
   * const client = await Main.client();
   * await client.sendCommand(['OBJECT', 'ENCODING', 'site']);
   * ```
   */
  static async client(role: 'master' | 'replica' = 'master'): Promise<RedisClient> {
    const router = this.router();
    if (!(router instanceof Router)) {
      throw new ConfigError(`${this.name} is a cluster: use clusterClient()`);
    }
    const endpoint = role === 'replica' ? (router.replica() ?? router.master) : router.master;
    return endpoint.client();
  }

  /** The node-redis cluster client of a `CLUSTER` Connection, connected (the escape hatch). */
  static async clusterClient(): Promise<RedisClusterClient> {
    const router = this.router();
    if (!(router instanceof ClusterRouter)) throw new ConfigError(`${this.name} is not a cluster`);
    return router.client();
  }

  /**
   * Runs the operations `build` queues in one round trip and returns their results in order,
   * each decoded by its own model. A batch that only reads goes to a replica (if any); any write
   * sends it to the master. Not atomic: see {@link Connection.transaction}.
   *
   * @throws {@link PipelineError} when some commands failed; it carries every result.
   *
   * @example
   * ```ts
   * const [views, queued, user] = await Main.pipeline((p) => [
   *   new Visitors('home').in(p).incr(),
   *   new Jobs().in(p).push(job),
   *   new Users().in(p).get('42'),
   * ]); // [number, number, User | null]
   * ```
   */
  static pipeline<T extends readonly Queued<unknown>[]>(
    build: (batch: Batch) => readonly [...T],
    options?: PipelineOptions,
  ): Promise<BatchResults<T>> {
    return pipeline(this.router(), this.name, build, options);
  }

  /**
   * Like {@link Connection.pipeline}, wrapped in MULTI/EXEC on the master: no other client's
   * command runs in between, and a command refused while queued (a syntax error) discards them
   * all. A command that fails while running (e.g. WRONGTYPE) does not undo the others: Redis has
   * no rollback.
   *
   * @throws {@link TransactionError} (`aborted` says whether anything ran).
   */
  static transaction<T extends readonly Queued<unknown>[]>(
    build: (batch: Batch) => readonly [...T],
  ): Promise<BatchResults<T>> {
    return transaction(this.router(), this.name, build);
  }

  /**
   * Optimistic read-modify-write: WATCHes `keys` (models or raw key names) on a connection of
   * its own, runs `body` (its reads go through `model.in(tx)`), then runs the writes the builder
   * it returns queues in MULTI/EXEC. If a watched key changed meanwhile, it starts over, up to
   * `attempts` times (default 10), then throws a {@link WatchConflictError}.
   *
   * @example
   * ```ts
   * const [balance] = await Main.watch([account], async (tx) => {
   *   const current = (await account.in(tx).get()) ?? 0;
   *   return (t) => [account.in(t).set(current + 10)];
   * });
   * ```
   */
  static watch<T extends readonly Queued<unknown>[]>(
    keys: ReadonlyArray<{ readonly key: string } | string>,
    body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
    options?: WatchOptions,
  ): Promise<BatchResults<T>> {
    const names = keys.map((k) => (typeof k === 'string' ? k : k.key));
    return watch(this.router(), this.name, names, body, options);
  }

  /** Closes every client of this class. Models keep working: the next command reconnects. */
  static async close(): Promise<void> {
    const router = routers.get(this);
    if (router) await router.close();
  }

  /** `await using` support: closes the clients. */
  static async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Printing a Connection class never shows a password. */
  static [inspect.custom](): string {
    const describe = (spec: ServerSpec | undefined): string => {
      if (spec === undefined) return 'unset';
      try {
        return String(resolveServer(spec));
      } catch (error) {
        return error instanceof DsnError ? `<invalid: ${error.part}>` : '<invalid>';
      }
    };
    const list = (value: ServerSpec | readonly ServerSpec[]): string =>
      `[${specs(value).map(describe).join(', ')}]`;
    const parts: string[] = [];
    if (this.CLUSTER !== undefined) parts.push(`CLUSTER: ${list(this.CLUSTER)}`);
    else if (this.SENTINEL !== undefined) {
      const sentinels = this.SENTINEL.sentinels ?? [];
      parts.push(`SENTINEL: ${String(this.SENTINEL.name)} via ${list(sentinels as ServerSpec[])}`);
    } else parts.push(`MASTER: ${describe(this.MASTER)}`);
    if (this.SLAVE !== undefined) parts.push(`SLAVE: ${list(this.SLAVE)}`);
    if (this.REPLICA !== undefined) parts.push(`REPLICA: ${list(this.REPLICA)}`);
    return `[Connection ${this.name}] { ${parts.join(', ')} }`;
  }

  /** The Connection class for a model whose `CONNECTION` is a DSN string (one per DSN). */
  static forDsn(dsn: string): typeof Connection {
    let connection = byDsn.get(dsn);
    if (connection === undefined) {
      const server = resolveServer(dsn);
      connection = class extends Connection {
        static override MASTER = dsn;
      };
      Object.defineProperty(connection, 'name', { value: `Connection(${String(server)})` });
      byDsn.set(dsn, connection);
    }
    return connection;
  }

  /** Closes the clients of every Connection made from a DSN string by {@link Connection.forDsn}. */
  static async closeDsnConnections(): Promise<void> {
    await Promise.all([...byDsn.values()].map((connection) => connection.close()));
  }
}
