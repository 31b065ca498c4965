import { setTimeout as sleep } from 'node:timers/promises';
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
    const ranges = [
      [0, 5460],
      [5461, 10922],
      [10923, 16383],
    ];
    await Promise.all(
      nodes.map((node, i) =>
        raw(node, 'CLUSTER', 'ADDSLOTSRANGE', String(ranges[i][0]), String(ranges[i][1])),
      ),
    );
    for (const node of nodes.slice(1)) {
      await raw(
        nodes[0],
        'CLUSTER',
        'MEET',
        node.host,
        String(node.port),
        String(node.port + 10000),
      );
    }
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

async function spawnCluster(): Promise<RedisServer> {
  const { freePort } = await import('../../tools/redis-server.js');
  const port = await freePort();
  return spawnServer(
    [
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(port + 10000),
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '2000',
    ],
    { port },
  );
}
