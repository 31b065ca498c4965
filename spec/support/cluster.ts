import { setTimeout as sleep } from 'node:timers/promises';
import { slotOf } from '../../src/core/slot.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { raw } from './helpers.js';
import { once, spawnServer } from './topology.js';

/** A 3-master Redis Cluster (no replicas), slots split evenly, `cluster_state:ok` everywhere. */
export function cluster(): Promise<RedisServer[]> {
  return once('cluster', freshCluster);
}

/**
 * A new 3-master cluster of its own, for a spec that changes the slot layout (migrations):
 * stopped by the root hook like every spawned server.
 */
export function freshCluster(): Promise<RedisServer[]> {
  return (async () => {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      // spawnServer picks a port whose +10000 neighbour is free: the cluster bus port.
      nodes.push(await spawnCluster());
    }
    await assignAndMeet(nodes, []);
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      for (;;) {
        const info = String(await raw(node, 'CLUSTER', 'INFO'));
        const known = String(await raw(node, 'CLUSTER', 'NODES'))
          .trim()
          .split('\n')
          .filter((line) => line.includes('master') && line.includes('connected')).length;
        if (info.includes('cluster_state:ok') && known === 3) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ok: ${info}`);
        await sleep(50);
      }
    }
    return nodes;
  })();
}

/** The slots of each of the 3 masters. */
const RANGES = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];

/** Gives the 3 masters a third of the slots each, and has the first one meet every other node. */
async function assignAndMeet(masters: RedisServer[], others: RedisServer[]): Promise<void> {
  await Promise.all(
    masters.map((node, i) =>
      raw(node, 'CLUSTER', 'ADDSLOTSRANGE', String(RANGES[i][0]), String(RANGES[i][1])),
    ),
  );
  for (const node of [...masters.slice(1), ...others]) {
    await raw(
      masters[0],
      'CLUSTER',
      'MEET',
      node.host,
      String(node.port),
      String(node.port + 10000),
    );
  }
}

async function spawnCluster(nodeTimeout = 2000, extra: string[] = []): Promise<RedisServer> {
  const { freePort } = await import('../../tools/redis-server.js');
  // Another process may take the port (or its cluster bus port, +10000) between the check and
  // the start: try again on new ports.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnServer(
        [
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(port + 10000),
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          String(nodeTimeout),
          ...extra,
        ],
        { port },
      );
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('exited at start')) throw error;
    }
  }
}

/** A cluster of three masters, each with one replica: see {@link clusterWithReplicas}. */
export interface ReplicatedCluster {
  /** The masters, in slot order: 0-5460, 5461-10922, 10923-16383. */
  readonly masters: RedisServer[];
  /** `replicas[i]` replicates `masters[i]`. */
  readonly replicas: RedisServer[];
}

/**
 * A new cluster of its own: 3 masters + 3 replicas, `cluster-node-timeout` 1000 ms (a killed
 * master's replica is promoted in about 2-3 s), every replica linked. For specs that kill nodes.
 */
export async function clusterWithReplicas(): Promise<ReplicatedCluster> {
  const masters: RedisServer[] = [];
  const replicas: RedisServer[] = [];
  // A replica's first sync starts at once (the default waits 5 s for more replicas to join).
  const sync = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
  const spawned = await Promise.all(Array.from({ length: 6 }, () => spawnCluster(1000, sync)));
  masters.push(...spawned.slice(0, 3));
  replicas.push(...spawned.slice(3));
  await assignAndMeet(masters, replicas);
  const deadline = Date.now() + 20_000;
  const ids = await Promise.all(masters.map(idOf));
  for (let i = 0; i < 3; i++) {
    // A replica can only replicate a master it has heard of (through the gossip that MEET started).
    for (;;) {
      const known = String(await raw(replicas[i], 'CLUSTER', 'NODES')).includes(ids[i]);
      if (
        known &&
        (await raw(replicas[i], 'CLUSTER', 'REPLICATE', ids[i]).then(
          () => true,
          () => false,
        ))
      ) {
        break;
      }
      if (Date.now() > deadline) throw new Error(`replica ${replicas[i].port} never replicated`);
      await sleep(50);
    }
  }
  for (const node of [...masters, ...replicas]) {
    for (;;) {
      const info = String(await raw(node, 'CLUSTER', 'INFO'));
      const lines = String(await raw(node, 'CLUSTER', 'NODES'))
        .trim()
        .split('\n');
      const connected = lines.filter((line) => line.includes(' connected')).length;
      const linked =
        !replicas.includes(node) ||
        String(await raw(node, 'INFO', 'replication')).includes('master_link_status:up');
      if (info.includes('cluster_state:ok') && connected === 6 && linked) break;
      if (Date.now() > deadline) throw new Error(`cluster node ${node.port} not ready: ${info}`);
      await sleep(50);
    }
  }
  // CLUSTER SLOTS lists a replica only once it has replicated something (Redis 7: a replica at
  // offset 0 is left out), so node-redis' READ_FROM_REPLICAS would not see them yet: one write
  // per master, then wait until every node lists the three replicas.
  for (const [i, master] of masters.entries()) {
    for (let n = 0; ; n++) {
      const slot = slotOf(`ready-${n}`);
      if (slot < RANGES[i][0] || slot > RANGES[i][1]) continue;
      await raw(master, 'SET', `ready-${n}`, '1');
      break;
    }
  }
  for (const node of [...masters, ...replicas]) {
    for (;;) {
      const slots = (await raw(node, 'CLUSTER', 'SLOTS')) as unknown[][];
      if (slots.length === 3 && slots.every((range) => range.length === 4)) break;
      if (Date.now() > deadline) throw new Error(`cluster node ${node.port} lists no replicas`);
      await sleep(50);
    }
  }
  return { masters, replicas };
}

/** The node id of a cluster node (CLUSTER MYID). */
export async function idOf(node: RedisServer): Promise<string> {
  return String(await raw(node, 'CLUSTER', 'MYID'));
}

/** The master serving `slot` now, as `view` (a live node, default the first) sees it. */
export async function ownerOf(
  nodes: readonly RedisServer[],
  slot: number,
  view: RedisServer = nodes[0],
): Promise<RedisServer> {
  const slots = (await raw(view, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
  const range = slots.find(([from, to]) => slot >= from && slot <= to)!;
  return nodes.find((node) => node.port === Number(range[2][1]))!;
}

/**
 * The owner of `slot` once every master in `masters` names the same one: gossip may still carry
 * an older claim for a moment after a migration, and a node that does not see itself as the
 * owner refuses SETSLOT MIGRATING ("I'm not the owner of hash slot"). Waits up to 5 s.
 */
async function agreedOwner(masters: readonly RedisServer[], slot: number): Promise<RedisServer> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const views = await Promise.all(masters.map((view) => ownerOf(masters, slot, view)));
    if (views.every((owner) => owner === views[0])) return views[0];
    if (Date.now() > deadline) throw new Error(`the masters disagree on the owner of slot ${slot}`);
    await sleep(20);
  }
}

/**
 * Moves `slot` from its owner (once every master agrees on it) to `target` the way redis-cli
 * --cluster reshard does: IMPORTING / MIGRATING, MIGRATE of its keys (a pause between steps, so
 * commands meet each state), then SETSLOT NODE on the target, the source and every other master
 * in `masters`.
 */
export async function migrateSlot(
  masters: readonly RedisServer[],
  slot: number,
  target: RedisServer,
): Promise<void> {
  const source = await agreedOwner(masters, slot);
  if (source === target) return;
  const [sourceId, targetId] = [await idOf(source), await idOf(target)];
  await raw(target, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
  await raw(source, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
  await sleep(30);
  for (;;) {
    const keys = (await raw(source, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as string[];
    if (keys.length === 0) break;
    await raw(
      source,
      'MIGRATE',
      target.host,
      String(target.port),
      '',
      '0',
      '5000',
      'KEYS',
      ...keys,
    );
  }
  await sleep(30);
  for (const node of [target, source, ...masters.filter((n) => n !== source && n !== target)]) {
    await raw(node, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
  }
}
