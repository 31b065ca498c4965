/**
 * Sentinel: a Connection with `static SENTINEL` asks the sentinels for the master's address
 * each time it connects, so the same model code writes to whichever server is master now.
 * `sentinelBasics` writes on the master, reads from a replica (`READ_FROM_REPLICAS`) after a
 * write that waited for it (`static WAIT`), and reads the latest value with `fromMaster()`.
 *
 * Failovers are followed without restarting anything (docs/topologies.md, "Sentinel"); this
 * example does not run one, because following a `SENTINEL FAILOVER` safely takes longer than an
 * example should: the replica is promoted within about a second, but the old master stays a
 * master, accepting writes that its later resync drops (Redis' asynchronous replication), until
 * the sentinel demotes it, about 10 s later (measured on the spec's group: 11.3 s from the
 * request to the first safe write, twice). Once demoted, its `READONLY` replies and the
 * sentinel's `CLIENT KILL` send the Connection to the new master, and a write made with
 * `static WAIT` before the failover is still there. spec/transport/sentinel.spec.ts runs that
 * sequence, and spec/faults/sentinel-failover.spec.ts a SIGKILL of the master under load.
 *
 * Run it on its own against a running Sentinel group (nothing is spawned):
 *
 *   REDIS_SENTINELS=redis://127.0.0.1:26379,redis://127.0.0.1:26380 REDIS_SENTINEL_NAME=mymaster \
 *     node build/examples/sentinel.js
 *
 * Without them it prints which variables to set and exits with code 2. CI runs it through
 * spec/examples/sentinel.spec.ts, against a group the spec spawns (a master, a replica and a
 * sentinel).
 */
import { runOnNamedServers } from './run-example.js';
import { Connection, Counter, Map, serializer, type SentinelConfig } from '../src/index.js';

/** A user profile, stored as JSON. */
export interface Profile {
  name: string;
  plan: 'free' | 'pro';
}

/** What `sentinelBasics` showed. */
export interface SentinelBasicsReport {
  /** `set()` of a profile on the master, then the counter's two increments. */
  written: [boolean, number, number];
  /** `fromMaster().get()` of the counter right after: the latest value. */
  fromMaster: number;
  /** What an increment that waited for one replica (`WAIT 1`) returned. */
  durable: number;
  /** Reads after it, from a replica: the counter and the profile (both on the replica by then). */
  fromReplica: [number, Profile | null];
}

/** The example's models on one Connection (a Sentinel group), under `prefix`. */
export function sentinelModels(connection: typeof Connection, prefix: string) {
  class Logins extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:logins`;
  }
  /** The same counters, each write waiting until one replica has it (2 s at most). */
  class DurableLogins extends Logins {
    static override WAIT = { replicas: 1, timeout: 2_000 };
  }
  class Profiles extends Map<Profile> {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:profiles`;
    static override SERIALIZER = serializer.JSON;
  }
  return { Logins, DurableLogins, Profiles };
}

/** Writes and reads through `connection` (with `SENTINEL` and `READ_FROM_REPLICAS`). */
export async function sentinelBasics(
  connection: typeof Connection,
  prefix: string,
): Promise<SentinelBasicsReport> {
  const { Logins, DurableLogins, Profiles } = sentinelModels(connection, prefix);
  const ann = new Profiles('ann');
  const logins = new Logins('ann');
  const written: SentinelBasicsReport['written'] = [
    await ann.set({ name: 'Ann', plan: 'pro' }),
    await logins.incr(),
    await logins.incr(),
  ];
  const fromMaster = (await logins.fromMaster().get()) ?? 0;
  // Once a replica has this write it has everything before it too (the profile included).
  const durable = await new DurableLogins('ann').incr();
  const fromReplica: SentinelBasicsReport['fromReplica'] = [
    (await logins.get()) ?? 0,
    await ann.get(),
  ];
  return { written, fromMaster, durable, fromReplica };
}

/** Run on its own: REDIS_SENTINELS (comma-separated) and REDIS_SENTINEL_NAME. */
runOnNamedServers(
  import.meta.url,
  () => {
    const sentinels = process.env.REDIS_SENTINELS?.split(',').filter(Boolean) ?? [];
    const name = process.env.REDIS_SENTINEL_NAME ?? '';
    if (sentinels.length === 0 || name === '') return undefined;
    const group: SentinelConfig = { name, sentinels };
    return class Main extends Connection {
      static override SENTINEL = group;
      static override READ_FROM_REPLICAS = true;
    };
  },
  'examples/sentinel needs a running Sentinel group with at least one replica: set ' +
    'REDIS_SENTINELS (comma-separated sentinel URLs) and REDIS_SENTINEL_NAME (the master ' +
    'group name). CI runs it through spec/examples/sentinel.spec.ts, which spawns one.',
  (main) => sentinelBasics(main, `example:sentinel:${Date.now()}`),
);
