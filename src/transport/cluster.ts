import { setTimeout as sleep } from 'node:timers/promises';
import { keyOf, type Command, type RedisArg, contextOf } from '../core/command.js';
import type { ErrorContext } from '../core/errors.js';
import { CommandError, CrossSlotError } from '../core/errors.js';
import { finish, settle } from '../core/reply.js';
import { runPipeline } from './batch-exec.js';
import type { ParsedDsn } from './dsn.js';
import { createClusterClient, type RedisClusterClient } from './cluster-client.js';
import { ClusterNodes } from './cluster-nodes.js';

export type { RedisClusterClient } from './cluster-client.js';
import type { Endpoint, RedisClient } from './endpoint.js';
import { scanServer } from './scan.js';
import { evalOf, isNoScript } from './scripts.js';
import { replyOptions } from './reply-options.js';
import { mapError, replyCode } from './error-map.js';
import { connectDeadline } from './deadline.js';
import type { ResolvedOptions } from './options.js';
import { slotOf } from '../core/slot.js';
import type { Lease, PipelineOptions, Topology } from './topology.js';
import { Watchdog } from './watchdog.js';

/** Redirections a transaction follows before it gives up (node-redis' own default is 16). */
const MAX_REDIRECTS = 16;

/** What we use of a cluster node's own client. */
interface NodeClient {
  sendCommand(args: RedisArg[]): Promise<unknown>;
}

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
  readonly #nodes: ClusterNodes;
  readonly #watchdog: Watchdog<RedisClusterClient>;

  constructor(
    readonly seeds: readonly ParsedDsn[],
    readonly options: ResolvedOptions,
    readonly readFromReplicas: boolean,
  ) {
    this.#nodes = new ClusterNodes(seeds[0], options);
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
    const cluster = createClusterClient(this.seeds, this.options, this.readFromReplicas);
    const deadline = connectDeadline(
      seed.connectTimeout ?? this.options.connectTimeout,
      this.describe(),
    );
    // node-redis reports why each root node failed as an 'error' event, then throws a bare
    // "All the root nodes are unavailable": keep the first reply of a server (a WRONGPASS...), so
    // a wrong password is an AuthError here as on a standalone server.
    let refusal: unknown;
    const onError = (error: unknown): void => {
      if (refusal === undefined && replyCode(error) !== undefined) refusal = error;
    };
    cluster.on('error', onError);
    const connecting = cluster.connect();
    connecting.catch(() => undefined);
    try {
      await Promise.race([connecting, deadline.promise]);
    } catch (error) {
      cluster.destroy();
      throw this.toError(refusal ?? error);
    } finally {
      deadline.clear();
      cluster.off('error', onError);
    }
    this.#cluster = cluster;
    this.#dropReason = undefined;
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

  #send(cluster: RedisClusterClient, command: Command, readonly: boolean): Promise<unknown> {
    return this.#watchdog.track(this.#raw(cluster, command, command.args, readonly));
  }

  #raw(
    cluster: RedisClusterClient,
    command: Command,
    args: RedisArg[],
    readonly: boolean,
  ): Promise<unknown> {
    return cluster.sendCommand(keyOf(command), readonly, args, replyOptions(command));
  }

  run<R>(command: Command<R>, fromMaster = false): Promise<R> {
    const readonly = this.#readonly(command, fromMaster);
    const run = (cluster: RedisClusterClient): Promise<R> =>
      this.#send(cluster, command, readonly).then(
        (reply) => finish(command, reply),
        (error: unknown) => {
          if (!isNoScript(command, error)) return settle(this, command, error);
          const again = evalOf(command);
          return this.#send(cluster, again, readonly).then(
            (reply) => finish(command, reply),
            (failure: unknown) => settle(this, command, failure),
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
      (args, command, load) =>
        load
          ? this.#load(cluster, command, args)
          : this.#raw(cluster, command, args, this.#readonly(command, fromMaster)),
      commands,
      {
        serverOf: (command) => this.#masterOf(cluster, keyOf(command) ?? ''),
        ordered: false,
        meter: this.#watchdog,
      },
    );
  }

  /**
   * A `SCRIPT LOAD` for the master `command` goes to, queued on that node's client at once (so
   * before the command, which node-redis queues a few microtasks later). Routed through the
   * cluster client, node-redis would send a keyless SCRIPT LOAD to every node.
   */
  #load(cluster: RedisClusterClient, command: Command, args: RedisArg[]): Promise<unknown> {
    const node = cluster.getSlotMaster(slotOf(keyOf(command) ?? ''));
    // Typed as a promise, but a connected node's client comes back as it is (no extra tick).
    const client = cluster.nodeClient(node) as unknown as NodeClient | Promise<NodeClient>;
    if (client instanceof Promise) return client.then((ready) => ready.sendCommand(args));
    return client.sendCommand(args);
  }

  /** `host:port` of the master that holds `key`'s slot, as node-redis knows it now. */
  #masterOf(cluster: RedisClusterClient, key: string): string {
    const node = cluster.getSlotMaster(slotOf(key));
    return `${node.host}:${node.port}`;
  }

  checkSlots(keys: readonly string[], what: string): void {
    const slots = keys.map((key) => ({ key, slot: slotOf(key) }));
    if (new Set(slots.map((s) => s.slot)).size > 1) throw new CrossSlotError(what, slots);
  }

  /** The endpoint of the master that holds `key`'s slot. */
  async #nodeFor(key: string): Promise<Endpoint> {
    return this.#nodes.at(this.#masterOf(await this.client(), key));
  }

  /**
   * MULTI/EXEC on the master of the commands' slot, following the cluster while it moves: a
   * `MOVED` (the slot has a new owner) refreshes the slot map and goes there; an `ASK` (the slot
   * is being migrated and the keys are on the importing node) goes there with `ASKING`; a
   * `TRYAGAIN` waits a little. Each of these means Redis refused the keys while queueing, so
   * nothing ran and trying again cannot apply the transaction twice.
   */
  async transaction(commands: readonly Command[]): Promise<unknown[]> {
    const key = keyOf(commands[0]) ?? '';
    let address = this.#masterOf(await this.client(), key);
    let asking = false;
    for (let redirects = 0; ; redirects++) {
      const node = this.#nodes.at(address);
      const outcome = await node.use((client) =>
        node.transactionOn(client, commands, { asking, metered: true }),
      );
      if (outcome.kind === 'done') return outcome.results;
      if (outcome.kind === 'watch-failed') {
        throw new CommandError('ERR', 'EXEC answered nil without WATCH');
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new CommandError(
          outcome.reason,
          `the transaction was still redirected (${outcome.reason}) after ${MAX_REDIRECTS} attempts; nothing ran`,
          contextOf(commands[0]),
        );
      }
      asking = outcome.reason === 'ASK';
      if (outcome.reason === 'MOVED') {
        await this.refresh(key);
        address = outcome.address || this.#masterOf(await this.client(), key);
      } else if (outcome.reason === 'ASK') {
        address = outcome.address;
      } else {
        await sleep(Math.min(10 * 2 ** redirects, 200));
        address = this.#masterOf(await this.client(), key);
      }
    }
  }

  /**
   * Brings node-redis' slot map up to date for `key`: a command routed through the cluster
   * client that meets `MOVED` makes node-redis rediscover the slots (its own mechanism).
   */
  async refresh(key: string): Promise<void> {
    const cluster = await this.client();
    await cluster.sendCommand(key, false, ['EXISTS', key]).catch(() => undefined);
  }

  async dedicated<T>(
    key: string,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    signal?: AbortSignal,
    context?: ErrorContext,
    lease?: Lease,
  ): Promise<T> {
    const node = lease?.address ? this.#nodes.at(lease.address) : await this.#nodeFor(key);
    return node.blocking((client) => fn(client, node), signal, context, lease?.watched);
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

  describe(): string {
    return `cluster ${this.seeds.map(String).join(', ')}`;
  }

  async close(): Promise<void> {
    await this.#nodes.close();
    const cluster = this.#cluster;
    this.#cluster = undefined;
    if (cluster) {
      this.#watchdog.unwatch(cluster);
      this.#dropReason = 'the connection was closed';
      await cluster.close().catch(() => cluster.destroy());
    }
  }
}
