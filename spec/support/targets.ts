import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCluster } from 'redis';
import {
  Connection,
  Map as RMap,
  type BlockingPopOptions,
  type ConnectionOptions,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { cluster } from './cluster.js';
import { connectionTo, eventually, modelClass, raw, rejects, track, uniq } from './helpers.js';
import { once, standalone } from './topology.js';

/** The topologies the model specs run on. */
export type TopologyKind = 'standalone' | 'cluster';

/** How a spec wants its Connection class built. */
export interface ConnectionExtra {
  /** Whether blocking commands reuse idle dedicated connections (default true). */
  reuse?: boolean;
  /** The Connection's OPTIONS. */
  options?: ConnectionOptions;
  /**
   * The RESP version its clients speak, shared and dedicated (node-redis' `RESP` client option,
   * set over `options.client`). Default: the library's, RESP3.
   */
  protocol?: 2 | 3;
}

/** A Connection class whose clients (shared and dedicated) all carry one unique client name. */
export type NamedConnection = typeof Connection & { readonly clientName: string };

/** What a model spec needs from a topology. */
export interface Target {
  readonly kind: TopologyKind;
  /** How many masters the topology has: 1 on a standalone server, 3 on the cluster. */
  readonly masters: number;
  /** A fresh Connection class on this topology (closed after the run). */
  connection(extra?: ConnectionExtra): typeof Connection;
  /**
   * A fresh Connection class whose clients carry a unique name (`clientName`), so that
   * {@link clientsNamed}, {@link blockedNamed}... can find them in CLIENT LIST on every node.
   */
  namedConnection(extra?: ConnectionExtra): NamedConnection;
  /** A raw command, sent to the server holding `args[1]` (the key) on a cluster. */
  raw(...args: string[]): Promise<unknown>;
  /** A raw command sent to every master (keyless commands: INFO, SCRIPT FLUSH...). */
  rawAll(...args: string[]): Promise<unknown[]>;
  /**
   * A raw command sent through a Connection's own shared client (routed by `args[1]`, the key,
   * on a cluster): its reply shows what that client really speaks (RESP2 flat arrays...).
   */
  sendThrough(connection: typeof Connection, args: string[]): Promise<unknown>;
  /** The server (standalone only): for connection-level checks such as CLIENT LIST. */
  readonly server?: RedisServer;
}

/** What each topology implements; {@link complete} derives the rest. */
type TopologyTarget = Omit<Target, 'connection' | 'namedConnection'> & {
  connection(extra: { reuse?: boolean; options?: ConnectionOptions }): typeof Connection;
};

/** A Target from what a topology implements: `protocol` and named connections on top. */
function complete(base: TopologyTarget): Target {
  const connection = ({ reuse, options, protocol }: ConnectionExtra = {}): typeof Connection =>
    base.connection({
      reuse,
      options:
        protocol === undefined
          ? options
          : { ...options, client: { ...options?.client, RESP: protocol } },
    });
  return {
    ...base,
    connection,
    namedConnection(extra = {}) {
      const clientName = uniq('conn');
      const options = { ...extra.options, client: { ...extra.options?.client, name: clientName } };
      return Object.assign(connection({ ...extra, options }), { clientName });
    },
  };
}

type ClusterInspector = ReturnType<typeof createCluster>;

async function clusterTarget(): Promise<Target> {
  const nodes = await cluster();
  const inspector = await once('cluster-inspector', async () => {
    const client: ClusterInspector = createCluster({ rootNodes: [{ url: nodes[0].url }] });
    client.on('error', () => undefined);
    await client.connect();
    track(() => client.close());
    return client;
  });
  return complete({
    kind: 'cluster',
    masters: nodes.length,
    connection(extra) {
      const connection = class extends Connection {
        static override CLUSTER = nodes[0].url;
        static override REUSE = extra.reuse ?? true;
        static override OPTIONS = extra.options;
      };
      track(() => connection.close());
      return connection;
    },
    raw: (...args) => inspector.sendCommand(args[1], false, args) as Promise<unknown>,
    rawAll: (...args) => Promise.all(nodes.map((node) => raw(node, ...args))),
    sendThrough: async (connection, args) =>
      (await connection.clusterClient()).sendCommand(args[1], true, args),
  });
}

async function standaloneTarget(): Promise<Target> {
  const server = await standalone();
  return complete({
    kind: 'standalone',
    masters: 1,
    server,
    connection: (extra) => connectionTo(server, extra),
    raw: (...args) => raw(server, ...args),
    rawAll: async (...args) => [await raw(server, ...args)],
    sendThrough: async (connection, args) => (await connection.client()).sendCommand(args),
  });
}

/**
 * Declares the same suite once per topology: `describe('<title> [standalone]')` and
 * `describe('<title> [cluster]')`. The body gets a getter for the target (ready in `before`).
 *
 * @example
 * ```ts
 * onEachTopology('Counter', (target) => {
 *   let Main: typeof Connection;
 *   before(() => { Main = target().connection(); });
 *   it('...', async () => { ... await target().raw('GET', key) ... });
 * });
 * ```
 */
export function onEachTopology(title: string, body: (target: () => Target) => void): void {
  for (const kind of ['standalone', 'cluster'] as const) {
    describe(`${title} [${kind}]`, function () {
      let target: Target | undefined;
      before(async function () {
        this.timeout(60_000);
        target = kind === 'cluster' ? await clusterTarget() : await standaloneTarget();
      });
      body(() => {
        if (!target) throw new Error('the topology is not ready (use it inside hooks and tests)');
        return target;
      });
    });
  }
}

/**
 * The CLIENT LIST lines of the connections named `name`, on every master, each prefixed with
 * `node=<i> ` (`i`: the master's position in `rawAll` order).
 */
export async function clientLines(target: Target, name: string): Promise<string[]> {
  const lists = await target.rawAll('CLIENT', 'LIST');
  return lists.flatMap((list, node) =>
    String(list)
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => `node=${node} ${line}`),
  );
}

/** How many connections named `name` the masters have, all together. */
export async function clientsNamed(target: Target, name: string): Promise<number> {
  return (await clientLines(target, name)).length;
}

/** The RESP version (`resp=` in CLIENT LIST) of each connection named `name`, in node order. */
export async function protocolsNamed(target: Target, name: string): Promise<number[]> {
  return (await clientLines(target, name)).map((line) => Number(/ resp=(\d+)/.exec(line)?.[1]));
}

/** `<node>:<client id>` of each connection named `name` that is blocked in a command. */
export async function blockedIds(target: Target, name: string): Promise<string[]> {
  return (await clientLines(target, name))
    .filter((line) => / flags=\w*b/.test(line))
    .map((line) => /^node=(\d+) id=(\d+)/.exec(line)?.slice(1).join(':') ?? '?');
}

/** How many connections named `name` are blocked in a command. */
export async function blockedNamed(target: Target, name: string): Promise<number> {
  return (await blockedIds(target, name)).length;
}

/**
 * How many times each master (in `rawAll` order) has run these commands so far, all together
 * (INFO commandstats; a subcommand is written `client|unblock`).
 */
export async function commandCalls(target: Target, ...commands: string[]): Promise<number[]> {
  const patterns = commands.map(
    (command) =>
      new RegExp(`^cmdstat_${command.toLowerCase().replaceAll('|', '\\|')}:calls=(\\d+)`, 'm'),
  );
  return (await target.rawAll('INFO', 'commandstats')).map((info) =>
    patterns.reduce((sum, pattern) => sum + Number(pattern.exec(String(info))?.[1] ?? 0), 0),
  );
}

/**
 * How many connections a Connection's shared client holds once it has been used: one per
 * master (1 on a standalone server, 3 on the cluster). Dedicated connections come on top.
 */
export function sharedConnections(target: Target): number {
  return target.masters;
}

/** What the blocking-pop checks below use of a model: Queue, Stack, PriorityQueue. */
export interface Popper<T> {
  readonly key: string;
  pop(): Promise<T | null>;
  pop(options: BlockingPopOptions): Promise<T | null>;
  size(): Promise<number>;
}

/**
 * Checks that a blocking pop (on a dedicated connection) does not hold up the other commands
 * of its Connection: while `popper` (a model on `connection`) waits, a GET through the same
 * Connection answers; then `push(key, 'x')`, a raw push by the test, ends the pop with 'x'.
 */
export async function expectPopLeavesConnectionFree(
  target: Target,
  connection: NamedConnection,
  popper: Popper<string>,
  push: (key: string, item: string) => Promise<unknown>,
): Promise<void> {
  const value = new (modelClass(RMap<string>, connection))(uniq());
  await value.set('v');
  let popDone = false;
  const pending = popper.pop({ timeout: 10_000 }).finally(() => (popDone = true));
  await eventually(async () => (await blockedNamed(target, connection.clientName)) === 1);
  expect(await value.get()).to.equal('v');
  expect(popDone, 'the get resolved while the pop was still waiting').to.equal(false);
  await push(popper.key, 'x');
  expect(await pending).to.equal('x');
}

/**
 * Checks how a blocking pop aborts, for `popper`, a model on a `connection` not used yet: with
 * a signal already aborted it rejects at once without connecting; blocked, it rejects on abort
 * (with `reason`, or an AbortError DOMException without one) and its dedicated connection
 * closes, leaving the shared ones.
 */
export async function expectPopAborts(
  target: Target,
  connection: NamedConnection,
  popper: Popper<unknown>,
  reason?: Error,
): Promise<void> {
  await rejects(() => popper.pop({ timeout: 0, signal: AbortSignal.abort() }), DOMException);
  expect(await clientsNamed(target, connection.clientName)).to.equal(0);
  expect(await popper.size()).to.equal(0); // opens the shared connection (one per master)
  const shared = sharedConnections(target);
  const controller = new AbortController();
  const pending = popper.pop({ timeout: 0, signal: controller.signal });
  await eventually(async () => (await blockedNamed(target, connection.clientName)) === 1);
  controller.abort(reason);
  const error = await rejects(() => pending, reason ? Error : DOMException);
  if (reason) expect(error).to.equal(reason);
  else expect(error.name).to.equal('AbortError');
  await eventually(async () => (await clientsNamed(target, connection.clientName)) === shared);
}

/**
 * Checks that concurrent consumers never share an item: `consumers` (models on one key, on
 * several connections; every other one pops without waiting, the others block up to 50 ms)
 * drain 2,000 numbers that `push` adds 100 at a time meanwhile. Each number is seen exactly
 * once and the key is gone at the end.
 */
export async function expectEachItemOnce(
  target: Target,
  consumers: Array<Popper<number>>,
  push: (items: number[]) => Promise<unknown>,
): Promise<void> {
  const total = 2000;
  const seen: number[] = [];
  const deadline = Date.now() + 15_000;
  const consume = async (consumer: Popper<number>, index: number): Promise<void> => {
    while (seen.length < total && Date.now() < deadline) {
      const item = index % 2 === 0 ? await consumer.pop() : await consumer.pop({ timeout: 50 });
      if (item === null) await sleep(1);
      else seen.push(item);
    }
  };
  const consuming = consumers.map(consume);
  for (let start = 0; start < total; start += 100) {
    await push(Array.from({ length: 100 }, (_, i) => start + i));
  }
  await Promise.all(consuming);
  expect(seen.length).to.equal(total);
  expect(new Set(seen).size).to.equal(total);
  expect(await target.raw('EXISTS', consumers[0].key)).to.equal(0);
}
