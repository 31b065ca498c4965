import { createClient } from 'redis';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  externalServer,
  startServer,
  type RedisServer,
  type StartOptions,
} from '../../tools/redis-server.js';

/** Servers started for this run, stopped by the root hook. */
const started: RedisServer[] = [];
const memo = new Map<string, Promise<unknown>>();

/** Memoises a topology for the whole run. */
export function once<T>(name: string, make: () => Promise<T>): Promise<T> {
  let promise = memo.get(name) as Promise<T> | undefined;
  if (!promise) {
    promise = make();
    memo.set(name, promise);
  }
  return promise;
}

/** Starts a server that the root hook will stop. */
export async function spawnServer(
  args: string[] = [],
  options: Omit<StartOptions, 'args'> = {},
): Promise<RedisServer> {
  const server = await startServer({ ...options, args });
  started.push(server);
  return server;
}

/** The standalone server: REDIS_URL when set, else one spawned for this run. */
export function standalone(): Promise<RedisServer> {
  return once('standalone', async () =>
    process.env.REDIS_URL ? externalServer(process.env.REDIS_URL) : spawnServer(),
  );
}

/** A master and a replica of it, with the link up. */
export function replicated(): Promise<{ master: RedisServer; replica: RedisServer }> {
  return once('replicated', async () => {
    const master = await spawnServer([
      '--repl-diskless-sync',
      'yes',
      '--repl-diskless-sync-delay',
      '0',
    ]);
    const replica = await spawnServer(['--replicaof', master.host, String(master.port)]);
    await waitForLink(replica);
    return { master, replica };
  });
}

/** Waits until a replica reports master_link_status:up. */
export async function waitForLink(replica: RedisServer, timeoutMs = 10_000): Promise<void> {
  const client = createClient({ url: replica.url });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = String(await client.sendCommand(['INFO', 'replication']));
      if (info.includes('master_link_status:up')) return;
      if (Date.now() > deadline) throw new Error(`replica ${replica.port} never linked: ${info}`);
      await sleep(25);
    }
  } finally {
    client.destroy();
  }
}

/** Stops every server this run started. */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((server) => server.stop()));
  memo.clear();
}
