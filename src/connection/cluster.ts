import { createCluster } from 'redis';
import { keyOf, type Command, type CommandOrigin, type RedisArg } from '../command.js';
import { CrossSlotError } from '../errors.js';
import { runPipeline, runTransaction, WATCH_FAILED } from '../pipeline/execute.js';
import { resolveServer, type ParsedDsn } from './dsn.js';
import { Endpoint, finish, isNoScript, settle, type RedisClient } from './endpoint.js';
import { mapError } from './error-map.js';
import { connectDeadline } from './deadline.js';
import { clientOptions, reconnectDelay, type ResolvedOptions } from './options.js';
import { slotOf } from './slot.js';
import type { PipelineOptions, Topology } from './topology.js';
import { Watchdog } from './watchdog.js';

/** A connected node-redis cluster client, as the escape hatch hands it out. */
export type RedisClusterClient = ReturnType<typeof createCluster>;

/**
 * A Redis Cluster: commands go to the master of their key's slot (reads to replicas with
 * `READ_FROM_REPLICAS`), following MOVED/ASK redirections; pipelines are split per node and
 * reassembled in order; transactions and WATCH run on the one node holding all their keys.
 *
 * @internal
 */
export class ClusterRouter implements Topology {
  #cluster: RedisClusterClient | undefined;
  #connecting: Promise<RedisClusterClient> | undefined;
  #dropReason: string | undefined;
  readonly #nodes = new Map<string, Endpoint>();
  readonly #watchdog: Watchdog<RedisClusterClient>;

  constructor(
    readonly seeds: readonly ParsedDsn[],
    readonly options: ResolvedOptions,
    readonly readFromReplicas: boolean,
  ) {
    const limit = seeds[0].commandTimeout ?? options.commandTimeout;
    this.#watchdog = new Watchdog<RedisClusterClient>(limit, (stalled) => {
      this.#dropReason = `a cluster node sent nothing for ${limit} ms; connections dropped`;
      for (const cluster of stalled) {
        if (this.#cluster === cluster) this.#cluster = undefined;
        cluster.destroy();
      }
    });
  }

  /** The cluster client, connected on first use (bounded by connectTimeout). */
  client(): Promise<RedisClusterClient> {
    if (this.#cluster) return Promise.resolve(this.#cluster);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<RedisClusterClient> {
    const seed = this.seeds[0];
    const defaults = clientOptions(seed, this.options, (retries) =>
      retries >= this.options.reconnectAttempts ? false : reconnectDelay(retries),
    );
    const {
      host: _host,
      port: _port,
      path: _path,
      ...socket
    } = defaults.socket as Record<string, unknown>;
    const cluster = createCluster({
      rootNodes: this.seeds.map((s) => ({ socket: { host: s.host, port: s.port } })),
      defaults: { ...defaults, socket } as never,
      useReplicas: this.readFromReplicas,
      RESP: defaults.RESP,
    } as never) as RedisClusterClient;
    cluster.on('error', () => undefined);
    const deadline = connectDeadline(
      seed.connectTimeout ?? this.options.connectTimeout,
      this.describe(),
    );
    const connecting = cluster.connect();
    connecting.catch(() => undefined);
    try {
      await Promise.race([connecting, deadline.promise]);
    } catch (error) {
      cluster.destroy();
      throw this.toError(error);
    } finally {
      deadline.clear();
    }
    this.#cluster = cluster;
    this.#dropReason = undefined;
    this.#watchdog.watch(cluster);
    return cluster;
  }

  toError(error: unknown, command?: { origin?: CommandOrigin }): Error {
    return mapError(
      error,
      { address: this.describe(), secret: this.seeds[0].password, dropReason: this.#dropReason },
      command?.origin,
    );
  }

  #send(
    cluster: RedisClusterClient,
    command: Command,
    args = command.args,
    readonly = !command.write && !command.primary,
  ): Promise<unknown> {
    return this.#watchdog.track(this.#raw(cluster, command, args, readonly));
  }

  #raw(
    cluster: RedisClusterClient,
    command: Command,
    args: RedisArg[],
    readonly: boolean,
  ): Promise<unknown> {
    return cluster.sendCommand(keyOf(command), readonly, args);
  }

  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    const readonly = !command.write && !command.primary && !fromMaster;
    const run = (cluster: RedisClusterClient): Promise<R> =>
      this.#send(cluster, command, command.args, readonly).then(
        (reply) => finish(command, reply),
        (error: unknown) => {
          if (!isNoScript(command, error)) return settle(this, command, error);
          return this.#send(cluster, command, command.script!.toEval(command.args), readonly).then(
            (reply) => finish(command, reply),
            (again: unknown) => settle(this, command, again),
          );
        },
      );
    const cluster = this.#cluster;
    return cluster ? run(cluster) : this.client().then(run);
  }

  async pipeline(commands: readonly Command[], options: PipelineOptions = {}): Promise<unknown[]> {
    const cluster = await this.client();
    const fromMaster = options.fromMaster === true;
    return runPipeline(
      this,
      (args, command) =>
        this.#raw(cluster, command, args, !command.write && !command.primary && !fromMaster),
      commands,
      this.#watchdog,
    );
  }

  checkSlots(keys: readonly string[], what: string): void {
    const slots = keys.map((key) => ({ key, slot: slotOf(key) }));
    if (new Set(slots.map((s) => s.slot)).size > 1) throw new CrossSlotError(what, slots);
  }

  /** The endpoint of the master that holds `key`'s slot. */
  async #nodeFor(key: string): Promise<Endpoint> {
    const cluster = await this.client();
    const node = cluster.getSlotMaster(slotOf(key));
    const address = `${node.host}:${node.port}`;
    let endpoint = this.#nodes.get(address);
    if (endpoint === undefined) {
      const server = resolveServer({ ...this.#seedSettings(), host: node.host, port: node.port });
      endpoint = new Endpoint(server, this.options, true);
      this.#nodes.set(address, endpoint);
    }
    return endpoint;
  }

  #seedSettings(): Record<string, unknown> {
    const {
      host: _h,
      port: _p,
      path: _path,
      scheme: _s,
      address: _a,
      ...rest
    } = this.seeds[0] as unknown as Record<string, unknown>;
    return { ...rest, password: this.seeds[0].password };
  }

  async transaction(commands: readonly Command[]): Promise<unknown[]> {
    const first = keyOf(commands[0]) ?? '';
    const node = await this.#nodeFor(first);
    const results = await node.use((client) => runTransaction(node, client, commands));
    if (results === WATCH_FAILED) throw new Error('EXEC aborted without WATCH');
    return results;
  }

  async dedicated<T>(
    key: string,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    signal?: AbortSignal,
    origin?: CommandOrigin,
  ): Promise<T> {
    const node = await this.#nodeFor(key);
    return node.blocking((client) => fn(client, node), signal, origin);
  }

  async *scan(match: string, count: number): AsyncGenerator<string[], void, undefined> {
    const cluster = await this.client();
    for (const master of cluster.masters) {
      const client = await cluster.nodeClient(master);
      let cursor = '0';
      do {
        const reply = (await client.sendCommand([
          'SCAN',
          cursor,
          'MATCH',
          match,
          'COUNT',
          String(count),
        ])) as [string | number, string[]];
        cursor = String(reply[0]);
        if (reply[1].length > 0) yield reply[1].map(String);
      } while (cursor !== '0');
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

  describe(): string {
    return `cluster ${this.seeds.map(String).join(', ')}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((node) => node.close()));
    const cluster = this.#cluster;
    this.#cluster = undefined;
    if (cluster) {
      this.#watchdog.unwatch(cluster);
      this.#dropReason = 'the connection was closed';
      await cluster.close().catch(() => cluster.destroy());
    }
  }
}
