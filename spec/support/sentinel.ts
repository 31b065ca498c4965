import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, type RedisServer } from '../../tools/redis-server.js';
import { raw } from './helpers.js';
import { spawnServer, waitForLink } from './topology.js';

/** A master, its replica and one sentinel watching them under `name`. Not shared: tests kill it. */
export interface SentinelGroup {
  readonly name: string;
  readonly master: RedisServer;
  readonly replica: RedisServer;
  readonly sentinel: RedisServer;
}

/** Spawns a fresh sentinel group; down-after 500 ms so a failover takes about a second. */
export async function sentinelGroup(name = 'redisext'): Promise<SentinelGroup> {
  const master = await spawnServer([
    '--repl-diskless-sync',
    'yes',
    '--repl-diskless-sync-delay',
    '0',
  ]);
  const replica = await spawnServer([
    '--replicaof',
    master.host,
    String(master.port),
    '--repl-diskless-sync',
    'yes',
    '--repl-diskless-sync-delay',
    '0',
  ]);
  await waitForLink(replica);
  const port = await freePort();
  const sentinel = await spawnServer([], {
    port,
    sentinel: true,
    config: [
      `port ${port}`,
      'bind 127.0.0.1',
      `sentinel monitor ${name} ${master.host} ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} 500`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  });
  // Wait until the sentinel has discovered the replica.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const replicas = (await raw(sentinel, 'SENTINEL', 'REPLICAS', name)) as unknown[];
    if (Array.isArray(replicas) && replicas.length > 0) break;
    if (Date.now() > deadline) throw new Error('sentinel never saw the replica');
    await sleep(50);
  }
  return { name, master, replica, sentinel };
}
