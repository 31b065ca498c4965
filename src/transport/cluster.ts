import { keyOf, type Command, type RedisArg } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import { ConfigError, CrossSlotError } from '../core/errors.js';
import { finish, settle } from '../core/reply.js';
import { closeWithin } from './deadline.js';
import { runPipeline } from './batch-exec.js';
import type { ParsedDsn } from './dsn.js';
import { connectCluster, loadOnMaster, type NodeRedisCluster } from './cluster-client.js';
import { ClusterNodes } from './cluster-nodes.js';
import { clusterTransaction } from './cluster-transaction.js';
import { SlotRefresh } from './cluster-refresh.js';
import { follow, mayRetry, staleRoute, transactionMayRetry, type Following } from './follow.js';

export type { RedisClusterClient } from './client-types.js';
import type { Endpoint, RedisClient } from './endpoint.js';
import { scanServer } from './scan.js';
import { evalOf, isNoScript } from './scripts.js';
import { replyOptions } from './reply-options.js';
import { mapError } from './error-map.js';
import { protocolOf, type ResolvedOptions } from './options.js';
import { slotOf } from '../core/slot.js';
import type { Lease, PipelineOptions, Topology } from './topology.js';
import { Watchdog } from './watchdog.js';
import { sumMetrics, type ConnectionMetrics } from './metrics.js';
import { TRACKED_READ, Tracking } from './tracking.js';

/**
 * A Redis Cluster: commands go to the master of their key's slot (reads to replicas with
 * `READ_FROM_REPLICAS`), following MOVED/ASK redirections; pipelines are split per node and
 * reassembled in order; transactions and WATCH run on the one node holding all their keys.
 *
 * @internal
 */
export class ClusterRouter implements Topology {
  #cluster: NodeRedisCluster | undefined;
  #connecting: Promise<NodeRedisCluster> | undefined;
  #dropReason: string | undefined;
  readonly #nodes: ClusterNodes;
  readonly #watchdog: Watchdog<NodeRedisCluster>;
  readonly #slotRefresh: SlotRefresh;
  /** How long a call that surely did not run is tried again while the cluster changes. */
  readonly #budget: number;
  /** Counts `close()` calls: a call followed across one stops there. */
  #generation = 0;
  /** The near cache's tracking and its connections (one per master), once asked for. */
  #tracking: { tracking: Tracking; nodes: ClusterNodes } | undefined;

  constructor(
    readonly seeds: readonly ParsedDsn[],
    readonly options: ResolvedOptions,
    readonly readFromReplicas: boolean,
  ) {
    this.#nodes = new ClusterNodes(seeds[0], options);
    const limit = seeds[0].commandTimeout ?? options.commandTimeout;
    this.#watchdog = new Watchdog<NodeRedisCluster>(limit, (stalled) => {
      this.#dropReason = `a cluster node sent nothing for ${limit} ms; connections dropped`;
      for (const cluster of stalled) this.#drop(cluster);
    });
    this.#budget = seeds[0].connectTimeout ?? options.connectTimeout;
    this.#slotRefresh = new SlotRefresh(this.#budget, (cluster) => this.#drop(cluster));
  }

  /** Forgets and destroys a cluster client: the next command connects afresh. */
  #drop(cluster: NodeRedisCluster): void {
    if (this.#cluster === cluster) this.#cluster = undefined;
    this.#watchdog.unwatch(cluster);
    cluster.destroy();
  }

  /** How a call is followed through a failover (`follow`, follow.ts); until `close()`. */
  #following(retriable: (error: unknown) => boolean): Following {
    const generation = this.#generation;
    const live = (): boolean => this.#generation === generation;
    return { budget: this.#budget, refresh: () => this.#refreshNow(), retriable, live };
  }

  /** A slot refresh of the current cluster client, if there is one (near caches emptied). */
  #refreshNow(): Promise<void> {
    this.#tracking?.tracking.clear('cluster slots refreshed');
    const cluster = this.#cluster;
    return cluster ? this.#slotRefresh.refresh(cluster) : Promise.resolve();
  }

  /** The cluster client, connected on first use (bounded by connectTimeout). */
  client(): Promise<NodeRedisCluster> {
    if (this.#cluster) return Promise.resolve(this.#cluster);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<NodeRedisCluster> {
    const cluster = await connectCluster(this.seeds, this.options, this.readFromReplicas, (e) =>
      this.toError(e),
    );
    this.#cluster = cluster;
    this.#dropReason = undefined;
    this.#watchdog.connects++;
    this.#watchdog.watch(cluster);
    return cluster;
  }

  toError(error: unknown, context?: ErrorContext): Error {
    return mapError(
      error,
      { address: this.describe(), secret: this.seeds[0].password, dropReason: this.#dropReason },
      context,
    );
  }

  /** Whether a command may go to a replica: reads only, never a script (it must find its load). */
  #readonly(command: Command, fromMaster: boolean): boolean {
    return (
      this.readFromReplicas &&
      !fromMaster &&
      !command.write &&
      !command.primary &&
      command.script === undefined
    );
  }

  #send(cluster: NodeRedisCluster, command: Command, readonly: boolean): Promise<unknown> {
    return this.#watchdog.track(this.#raw(cluster, command, command.args, readonly));
  }

  #raw(
    cluster: NodeRedisCluster,
    command: Command,
    args: RedisArg[],
    readonly: boolean,
  ): Promise<unknown> {
    return cluster.sendCommand(keyOf(command), readonly, args, replyOptions(command));
  }

  /**
   * Runs one command through node-redis' cluster client. A failure a changed cluster explains
   * (lost node, `CLUSTERDOWN`) refreshes the slot map; the command is sent again when it surely
   * did not run (or is a read), for at most connectTimeout: see `follow`.
   */
  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    const cluster = this.#cluster;
    // The first attempt hands its typed failure to `follow` itself: no extra promise per command.
    if (cluster) return this.#runOn(cluster, command, fromMaster, true);
    return this.#again(command, fromMaster).catch((error: unknown) => this.#follow(command, error));
  }

  /** Another attempt of `command`, on the cluster client as it is now. */
  #again<R>(command: Command<R>, fromMaster: boolean): Promise<R> {
    const cluster = this.#cluster;
    if (cluster) return this.#runOn(cluster, command, fromMaster, false);
    return this.client().then((ready) => this.#runOn(ready, command, fromMaster, false));
  }

  /** Follows a failed command (`follow`); a read is tried again on the master, as a Router does. */
  #follow<R>(command: Command<R>, error: unknown): Promise<R> {
    return follow(
      () => this.#again(command, true),
      this.#following((failure) => mayRetry(failure, command)),
      { error },
    );
  }

  #runOn<R>(
    cluster: NodeRedisCluster,
    command: Command<R>,
    fromMaster: boolean,
    first: boolean,
  ): Promise<R> {
    const readonly = this.#readonly(command, fromMaster);
    const failed = (error: unknown): R | Promise<R> => {
      if (first) this.#watchdog.errors++;
      try {
        return settle(this, command, error);
      } catch (typed) {
        if (!first) throw typed;
        return this.#follow(command, typed);
      }
    };
    return this.#send(cluster, command, readonly).then(
      (reply) => finish(command, reply),
      (error: unknown) => {
        if (!isNoScript(command, error)) return failed(error);
        return this.#send(cluster, evalOf(command), readonly).then(
          (reply) => finish(command, reply),
          failed,
        );
      },
    );
  }

  async pipeline(commands: readonly Command[], options: PipelineOptions = {}): Promise<unknown[]> {
    const cluster = await this.client();
    const fromMaster = options.fromMaster === true;
    // Not sent again (the other commands of a node keep their order): the next batch goes to
    // the refreshed map.
    return runPipeline(
      this,
      (args, command, load) =>
        load
          ? loadOnMaster(cluster, keyOf(command) ?? '', args)
          : this.#raw(cluster, command, args, this.#readonly(command, fromMaster)),
      commands,
      {
        serverOf: (command) => this.#masterOf(cluster, keyOf(command) ?? ''),
        ordered: false,
        meter: this.#watchdog,
      },
    ).catch((error: unknown) => {
      if (staleRoute(error)) void this.#slotRefresh.refresh(cluster);
      throw error;
    });
  }

  /** `host:port` of the master that holds `key`'s slot, as node-redis knows it now. */
  #masterOf(cluster: NodeRedisCluster, key: string): string {
    const node = cluster.getSlotMaster(slotOf(key));
    return `${node.host}:${node.port}`;
  }

  checkSlots(keys: readonly string[], what: string): void {
    const slots = keys.map((key) => ({ key, slot: slotOf(key) }));
    if (new Set(slots.map((s) => s.slot)).size > 1) throw new CrossSlotError(what, slots);
  }

  /**
   * MULTI/EXEC on the master of the commands' slot, following redirections
   * (`clusterTransaction`) and, when nothing ran (not sent, or discarded on `CLUSTERDOWN`), a
   * failover for at most connectTimeout (`follow`).
   */
  transaction(commands: readonly Command[]): Promise<unknown[]> {
    const route = {
      nodes: this.#nodes,
      masterOf: async (key: string) => this.#masterOf(await this.client(), key),
      refresh: (key: string) => this.refresh(key),
    };
    return follow(() => clusterTransaction(route, commands), this.#following(transactionMayRetry));
  }

  /**
   * Brings node-redis' slot map up to date (its own rediscovery, see `SlotRefresh`), after a
   * `MOVED` met on a connection of ours.
   */
  async refresh(_key: string): Promise<void> {
    await this.client();
    await this.#refreshNow();
  }

  dedicated<T>(
    key: string,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    signal?: AbortSignal,
    context?: ErrorContext,
    lease?: Lease,
  ): Promise<T> {
    const masterOf = async (): Promise<string> => this.#masterOf(await this.client(), key);
    return this.#nodes.dedicated(
      masterOf,
      fn,
      { signal, context, lease },
      this.#following(() => false),
    );
  }

  async *scan(match: string, count: number): AsyncGenerator<string[], void, undefined> {
    const cluster = await this.client();
    for (const master of cluster.masters) {
      const client = await cluster.nodeClient(master);
      yield* scanServer((args) => client.sendCommand(args), match, count);
    }
  }

  async unlink(keys: readonly string[]): Promise<number> {
    const bySlot = new Map<number, string[]>();
    for (const key of keys) {
      const slot = slotOf(key);
      const group = bySlot.get(slot);
      if (group) group.push(key);
      else bySlot.set(slot, [key]);
    }
    const counts = await this.pipeline(
      [...bySlot.values()].map((group) => ({ args: ['UNLINK', ...group], write: true })),
    );
    return counts.reduce((sum: number, n) => sum + Number(n), 0);
  }

  get tracked(): Tracking | undefined {
    return this.#tracking?.tracking;
  }

  tracking(): Tracking {
    if (this.#tracking) return this.#tracking.tracking;
    if (protocolOf(this.seeds[0], this.options) !== 3) {
      throw new ConfigError('the near cache needs RESP3 (CLIENT TRACKING pushes): protocol is 2');
    }
    const nodes: ClusterNodes = new ClusterNodes(this.seeds[0], this.options, () =>
      tracking.hooks(),
    );
    const tracking: Tracking = new Tracking({
      endpointOf: async (key) => nodes.at(this.#masterOf(await this.client(), key)),
      refresh: () => this.refresh(''),
      endpoints: () => nodes.endpoints(),
      // A read: tried again after a lost node as any read is (`mayRetry`).
      follow: (attempt, error) =>
        follow(
          attempt,
          this.#following((e) => mayRetry(e, TRACKED_READ)),
          { error },
        ),
      cluster: true,
    });
    this.#tracking = { tracking, nodes };
    return tracking;
  }

  /** The traffic counters of the cluster client and of our node endpoints. */
  metrics(): ConnectionMetrics {
    const endpoints = [...this.#nodes.endpoints()];
    if (this.#tracking) endpoints.push(...this.#tracking.nodes.endpoints());
    return sumMetrics([this.#watchdog, ...endpoints.map((node) => node.meter)]);
  }

  describe(): string {
    return `cluster ${this.seeds.map(String).join(', ')}`;
  }

  async close(): Promise<void> {
    this.#generation += 1;
    this.#tracking?.tracking.close();
    await Promise.all([this.#nodes.close(), this.#tracking?.nodes.close()]);
    const cluster = this.#cluster;
    this.#cluster = undefined;
    if (cluster) {
      this.#watchdog.unwatch(cluster);
      this.#dropReason = 'the connection was closed';
      // Gracefully, but at most commandTimeout: a frozen node would hold it forever.
      await closeWithin(cluster, this.seeds[0].commandTimeout ?? this.options.commandTimeout);
    }
  }
}
