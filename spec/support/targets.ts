import { createCluster } from 'redis';
import { Connection, type ConnectionOptions } from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { cluster } from './cluster.js';
import { connectionTo, raw, track } from './helpers.js';
import { once, standalone } from './topology.js';

/** The topologies the model specs run on. */
export type TopologyKind = 'standalone' | 'cluster';

/** What a model spec needs from a topology. */
export interface Target {
  readonly kind: TopologyKind;
  /** A fresh Connection class on this topology (closed after the run). */
  connection(extra?: { reuse?: boolean; options?: ConnectionOptions }): typeof Connection;
  /** A raw command, sent to the server holding `args[1]` (the key) on a cluster. */
  raw(...args: string[]): Promise<unknown>;
  /** A raw command sent to every master (keyless commands: INFO, SCRIPT FLUSH...). */
  rawAll(...args: string[]): Promise<unknown[]>;
  /** The server (standalone only): for connection-level checks such as CLIENT LIST. */
  readonly server?: RedisServer;
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
  return {
    kind: 'cluster',
    connection(extra = {}) {
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
  };
}

async function standaloneTarget(): Promise<Target> {
  const server = await standalone();
  return {
    kind: 'standalone',
    server,
    connection: (extra = {}) => connectionTo(server, extra),
    raw: (...args) => raw(server, ...args),
    rawAll: async (...args) => [await raw(server, ...args)],
  };
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
