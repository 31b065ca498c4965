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
  // Wait until the sentinel can promote the replica: it has discovered it (through the master's
  // INFO) AND talked to it (its own INFO of the replica: flags plain "slave", link ok). Listed
  // but not yet talked to, SENTINEL FAILOVER answers NOGOODSLAVE (a flaky run of the
  // SENTINEL FAILOVER spec: the failover was asked for in that window).
  const deadline = Date.now() + 10_000;
  while (!(await promotable(sentinel, name))) {
    if (Date.now() > deadline) throw new Error('sentinel never saw the replica as promotable');
    await sleep(50);
  }
  // And until the replica acknowledges writes (for a moment after its first sync it may not).
  await raw(master, 'SET', '__sentinel-group-ready', '1');
  if (Number(await raw(master, 'WAIT', '1', '10000')) < 1) {
    throw new Error('the replica never acknowledged a write');
  }
  return { name, master, replica, sentinel };
}

/** Whether the sentinel lists a replica it could promote now (flags `slave`, link `ok`). */
async function promotable(sentinel: RedisServer, name: string): Promise<boolean> {
  const replicas = (await raw(sentinel, 'SENTINEL', 'REPLICAS', name)) as unknown[];
  if (!Array.isArray(replicas)) return false;
  return replicas.some((entry) => {
    const fields = fieldsOf(entry);
    return fields.get('flags') === 'slave' && fields.get('master-link-status') === 'ok';
  });
}

/** A RESP2 `[name, value, ...]` array or a RESP3 map, as a Map of strings. */
function fieldsOf(entry: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (Array.isArray(entry)) {
    for (let i = 0; i + 1 < entry.length; i += 2)
      fields.set(String(entry[i]), String(entry[i + 1]));
  } else if (entry !== null && typeof entry === 'object') {
    for (const [k, v] of Object.entries(entry)) fields.set(k, String(v));
  }
  return fields;
}

/**
 * A raw command to a server of a group, tried again when its connection was cut: Sentinel sends
 * `CLIENT KILL TYPE normal` to a master it demotes and to a replica it promotes, which cuts the
 * test's own inspector connections too (the cause of a flaky run: `read ECONNRESET` from a
 * spec's ROLE polling, not from the library).
 */
export async function ask(server: RedisServer, ...args: string[]): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await raw(server, ...args);
    } catch (error) {
      if (attempt >= 5) throw error;
      await sleep(50);
    }
  }
}
