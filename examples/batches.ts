/**
 * Batches: a pipeline (many commands, one round trip, a typed tuple back), a transaction
 * (MULTI/EXEC: seen together or not at all) and an optimistic read-modify-write with `watch`
 * that stays exact while several callers race for the same account.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/batches.js
 */
import { Connection, Counter, Map, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the run showed. */
export interface BatchesReport {
  /** The pipeline's results, in the order queued: a visit count, then the stored profile. */
  pipelined: [number, { name: string } | null];
  /** The two balances after the transfer in one transaction. */
  balances: [number, number];
  /** Withdrawals of 10 from a balance of 100 by 15 racing callers: how many succeeded. */
  withdrawn: number;
  /** The balance left: 100 - 10 × withdrawn, never below 0. */
  left: number;
}

/** The example's models on one Connection, under `prefix`. */
export function batchModels(connection: typeof Connection, prefix: string) {
  class Visits extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
  }
  class Profiles extends Map<{ name: string }> {
    static override CONNECTION = connection;
    static override PREFIX = prefix;
    static override SERIALIZER = serializer.JSON;
  }
  class Balance extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = `{${prefix}}`; // one hash tag: a transaction on a cluster needs one slot
    static override SERIALIZER = serializer.Numeric;
  }
  return { Visits, Profiles, Balance };
}

/** Runs the three kinds of batch under `prefix`. */
export async function batches(
  connection: typeof Connection,
  prefix: string,
): Promise<BatchesReport> {
  const { Visits, Profiles, Balance } = batchModels(connection, prefix);
  const visits = new Visits('home');
  const profile = new Profiles('ann');

  // A pipeline: queued commands go in one round trip; results come back typed, in order.
  await profile.set({ name: 'Ann' });
  const pipelined = await connection.pipeline((p) => [visits.in(p).incr(), profile.in(p).get()]);

  // A transaction: both balances change together (MULTI/EXEC).
  const a = new Balance('a');
  const b = new Balance('b');
  await connection.transaction((t) => [a.in(t).set(100), b.in(t).set(0)]);
  await connection.transaction((t) => [a.in(t).decr(30), b.in(t).incr(30)]);
  const balances: [number, number] = [(await a.get()) ?? 0, (await b.get()) ?? 0];

  // watch: read, decide in JavaScript, write; retried when another caller changed the key.
  const account = new Balance('account');
  await account.set(100);
  const withdraw = (): Promise<boolean> =>
    connection
      .watch(
        [account],
        async (tx) => {
          const current = (await account.in(tx).get()) ?? 0;
          if (current < 10) throw new Error('insufficient funds'); // aborts and unwatches
          return (t) => [account.in(t).set(current - 10)];
        },
        { attempts: 50 },
      )
      .then(
        () => true,
        () => false,
      );
  const outcomes = await Promise.all(Array.from({ length: 15 }, withdraw));
  return {
    pipelined: pipelined as BatchesReport['pipelined'],
    balances,
    withdrawn: outcomes.filter(Boolean).length,
    left: (await account.get()) ?? 0,
  };
}

runExample(import.meta.url, (main) => batches(main, `example:batches:${Date.now()}`));
