/**
 * Redis Cluster: the same models on a Connection with `static CLUSTER`. Keys spread over every
 * master (a pipeline is split per node and its results come back in the order queued); a
 * transaction on keys that share the hash tag `{user:42}` (one slot, so one node runs it
 * atomically); the typed `CrossSlotError` for a transaction on keys of two slots, refused
 * before anything is sent; and a Cache whose `keys()` and `clear()` walk every master with SCAN.
 *
 * Run it on its own against a running cluster (nothing is spawned):
 *
 *   REDIS_CLUSTER=redis://127.0.0.1:7000,redis://127.0.0.1:7001 node build/examples/cluster.js
 *
 * CI runs it through spec/examples/cluster.spec.ts, against the suite's 3-master cluster.
 */
import { runOnNamedServers } from './run-example.js';
import { Cache, Connection, Counter, CrossSlotError, Map, serializer } from '../src/index.js';

/** The last order of a user, stored as JSON. */
export interface Order {
  id: string;
  total: number;
}

/** What the run showed. */
export interface ClusterReport {
  /** The pipeline's 16 increments (page `n` by n + 1), in the order queued, across the nodes. */
  pipelined: number[];
  /** The sum of the 16 counters, read one by one: 136. */
  total: number;
  /** The transaction on `{user:42}`: the order count, the last order stored, the cart removed. */
  transaction: [number, boolean, boolean];
  /** The transaction on `{user:42}` and `{user:7}` keys: the error, refused before sending. */
  crossSlot: {
    /** The error class's name: `CrossSlotError`. */
    error: string;
    /** The keys it names (the key of each slot). */
    keys: string[];
    /** Whether the slots it names differ (they do: that is why it was refused). */
    slotsDiffer: boolean;
    /** `{user:42}`'s order count afterwards: still 1, nothing ran. */
    orders: number;
    /** Whether `{user:7}`'s counter exists afterwards: false, nothing was sent. */
    otherExists: boolean;
  };
  /** The ids `keys()` found on every master, sorted; then how many `clear()` removed. */
  scanned: string[];
  cleared: number;
}

/** How many sessions the example stores (their keys spread over the masters). */
export const SESSIONS = 12;

/** The example's models on one Connection (a cluster), under `prefix` (with no `{`). */
export function clusterModels(connection: typeof Connection, prefix: string) {
  class PageViews extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
  }
  /** Per user: `<prefix>:{user:42}:orders`; the tag `{user:42}` puts a user's keys in one slot. */
  class OrderCount extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
  }
  class LastOrder extends Map<Order> {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
    static override SERIALIZER = serializer.JSON;
  }
  class Cart extends Map<string[]> {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
    static override SERIALIZER = serializer.JSON;
  }
  /** Entries at `<prefix>:sessions:<id>`: no hash tag, so they land on every master. */
  class Sessions extends Cache<string> {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:sessions`;
    static override TTL = 60_000;
  }
  /** A user's keys, all in the slot of the tag `{user:<id>}`. */
  const user = (id: number) => ({
    orders: new OrderCount(`{user:${id}}:orders`),
    lastOrder: new LastOrder(`{user:${id}}:last-order`),
    cart: new Cart(`{user:${id}}:cart`),
  });
  return { PageViews, Sessions, user };
}

/** Runs the example on `connection` (with `CLUSTER`), under `prefix`. */
export async function cluster(
  connection: typeof Connection,
  prefix: string,
): Promise<ClusterReport> {
  const { PageViews, Sessions, user } = clusterModels(connection, prefix);

  // Keys in many slots: node-redis sends each node its share, the results come back in order.
  const pages = Array.from({ length: 16 }, (_, n) => new PageViews(`page-${n}`));
  const pipelined = await connection.pipeline((p) =>
    pages.map((page, n) => page.in(p).incr(n + 1)),
  );
  let total = 0;
  for (const page of pages) total += (await page.get()) ?? 0;

  // One slot: the transaction runs on that slot's master, all or nothing.
  const ann = user(42);
  await ann.cart.set(['book', 'lamp']);
  const transaction = await connection.transaction((t) => [
    ann.orders.in(t).incr(),
    ann.lastOrder.in(t).set({ id: 'o-1', total: 30 }),
    ann.cart.in(t).delete(),
  ]);

  // Two slots: refused with a typed error before anything is sent.
  const bob = user(7);
  let crossSlot: ClusterReport['crossSlot'] | undefined;
  try {
    await connection.transaction((t) => [ann.orders.in(t).incr(), bob.orders.in(t).incr()]);
  } catch (error) {
    if (!(error instanceof CrossSlotError)) throw error;
    crossSlot = {
      error: error.name,
      keys: error.slots.map((s) => s.key),
      slotsDiffer: new Set(error.slots.map((s) => s.slot)).size > 1,
      orders: (await ann.orders.get()) ?? 0,
      otherExists: await bob.orders.exists(),
    };
  }
  if (!crossSlot) throw new Error('a transaction across two slots was not refused');

  // SCAN on every master: the entries are found wherever their slot lives.
  const sessions = new Sessions();
  for (let n = 0; n < SESSIONS; n++) await sessions.set(`s-${n}`, `user-${n % 3}`);
  const scanned = (await sessions.keys()).sort((a, b) => Number(a.slice(2)) - Number(b.slice(2)));
  const cleared = await sessions.clear();

  return {
    pipelined,
    total,
    transaction: transaction as [number, boolean, boolean],
    crossSlot,
    scanned,
    cleared,
  };
}

/** Run on its own: REDIS_CLUSTER (comma-separated seed node URLs). */
runOnNamedServers(
  import.meta.url,
  () => {
    const seeds = process.env.REDIS_CLUSTER?.split(',').filter(Boolean) ?? [];
    if (seeds.length === 0) return undefined;
    return class Main extends Connection {
      static override CLUSTER = seeds;
    };
  },
  'examples/cluster needs a running Redis Cluster: set REDIS_CLUSTER to one or more seed ' +
    'node URLs, comma-separated (e.g. redis://127.0.0.1:7000). CI runs it through ' +
    'spec/examples/cluster.spec.ts, which spawns a 3-master cluster.',
  (main) => cluster(main, `example:cluster:${Date.now()}`),
);
