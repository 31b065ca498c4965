/**
 * Master and replicas: writes go to the master, reads to a replica (`static REPLICA`, or its
 * older name `SLAVE`), `fromMaster()` for a read that must see the latest write, and writes
 * that wait until a replica has them (`static WAIT`, Redis `WAIT`), with the typed
 * `ReplicationError` when too few replicas had a write in time.
 *
 * Replication is asynchronous: a read from a replica right after a write may not see it yet.
 * This example only reads from the replica after a write that waited for it, so its report is
 * the same on every run.
 *
 * Run it on its own: it spawns a throwaway master and a replica of it (redis-server must be
 * installed), or uses REDIS_MASTER and REDIS_REPLICA when both are set (a replica of that
 * master, linked):
 *
 *   npm run build:test && node build/examples/replicas.js
 *   REDIS_MASTER=redis://10.0.0.5:6379 REDIS_REPLICA=redis://10.0.0.6:6379 node build/examples/replicas.js
 *
 * CI runs it through spec/examples/replicas.spec.ts, against the suite's master + replica.
 */
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Counter, ReplicationError } from '../src/index.js';
import { startServer, type RedisServer } from '../tools/redis-server.js';

/** What the run showed. */
export interface ReplicasReport {
  /** What the two increments on the master returned. */
  written: number[];
  /** `fromMaster().get()` right after them: always the latest value (read-your-writes). */
  fromMaster: number;
  /** What an increment of 10 that waited for one replica (`WAIT 1`) returned. */
  durable: number;
  /** A plain `get()` after it, answered by the replica: it has that write, WAIT made sure. */
  fromReplica: number;
  /** An increment that asked for more replicas than there are: the `ReplicationError` seen. */
  tooFew: {
    /** The error class's name: `ReplicationError`. */
    error: string;
    /** How many replicas had the write when the wait ended (1 of the 2 asked). */
    replicas: number;
    /** What the write returned on the master: it was applied, and is not undone. */
    result: unknown;
  };
  /** The value on the master at the end (`fromMaster()`): every increment was applied. */
  final: number;
}

/** The example's models on one Connection (a master with replicas), under `prefix`. */
export function replicaModels(connection: typeof Connection, prefix: string) {
  /** Page visits: writes on the master, reads from a replica. */
  class Visits extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
  }
  /** The same counters, each write waiting until one replica has it (1 s at most). */
  class DurableVisits extends Visits {
    static override WAIT = { replicas: 1, timeout: 1_000 };
  }
  /** Asks for two replicas in 100 ms: with one replica, every write is a ReplicationError. */
  class TooDurableVisits extends Visits {
    static override WAIT = { replicas: 2, timeout: 100 };
  }
  return { Visits, DurableVisits, TooDurableVisits };
}

/** Runs the example on `connection` (a master with at least one replica), under `prefix`. */
export async function replicas(
  connection: typeof Connection,
  prefix: string,
): Promise<ReplicasReport> {
  const { Visits, DurableVisits, TooDurableVisits } = replicaModels(connection, prefix);
  const home = new Visits('home');

  // Writes always go to the master.
  const written = [await home.incr(), await home.incr()];
  // A read that must see them: fromMaster() sends this one read to the master. A plain get()
  // here would go to the replica, which may not have the increments yet.
  const fromMaster = (await home.fromMaster().get()) ?? 0;

  // A write that waits until a replica has it: INCRBY, then WAIT 1 1000 on the same connection.
  const durable = await new DurableVisits('home').incr(10);
  // The replica has everything up to that write (replication keeps the master's order).
  const fromReplica = (await home.get()) ?? 0;

  // Two replicas asked for, one exists: the write is applied, then ReplicationError.
  let tooFew: ReplicasReport['tooFew'] = { error: 'none', replicas: -1, result: undefined };
  try {
    await new TooDurableVisits('home').incr();
  } catch (error) {
    if (!(error instanceof ReplicationError)) throw error;
    tooFew = { error: error.name, replicas: error.replicas, result: error.result };
  }
  const final = (await home.fromMaster().get()) ?? 0;
  return { written, fromMaster, durable, fromReplica, tooFew, final };
}

/** Waits until the replica behind `connection` reports its link to the master up. */
async function linked(connection: typeof Connection, timeoutMs = 10_000): Promise<void> {
  const replica = await connection.client('replica');
  const deadline = Date.now() + timeoutMs;
  while (!String(await replica.sendCommand(['INFO', 'replication'])).includes('link_status:up')) {
    if (Date.now() > deadline) throw new Error('the replica never linked to the master');
    await sleep(50);
  }
}

/** Run on its own: a spawned master + replica, or REDIS_MASTER + REDIS_REPLICA. */
async function main(): Promise<void> {
  const given = process.env.REDIS_MASTER && process.env.REDIS_REPLICA;
  const spawned: RedisServer[] = [];
  try {
    if (!given) {
      const sync = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
      const master = await startServer({ args: sync });
      spawned.push(master);
      spawned.push(await startServer({ args: ['--replicaof', master.host, String(master.port)] }));
    }
    class Main extends Connection {
      static override MASTER = given ? process.env.REDIS_MASTER! : spawned[0].url;
      static override REPLICA = given ? process.env.REDIS_REPLICA! : spawned[1].url;
    }
    try {
      await linked(Main);
      console.log(await replicas(Main, `example:replicas:${Date.now()}`));
    } finally {
      await Main.close();
    }
  } finally {
    await Promise.all(spawned.map((server) => server.stop()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
