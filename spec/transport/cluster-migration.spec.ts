import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Counter, RedisextError, WatchConflictError, model } from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { freshCluster, migrateSlot, ownerOf } from '../support/cluster.js';
import { raw, track, uniq } from '../support/helpers.js';

describe('Redis Cluster: transactions and WATCH follow a slot migration', function () {
  this.timeout(60_000);
  let nodes: RedisServer[];
  let Main: typeof Connection;
  before(async () => {
    nodes = await freshCluster();
    Main = class extends Connection {
      static override CLUSTER = nodes[0].url;
    };
    track(() => Main.close());
  });

  /** What a run of loops under migrations counted. */
  interface Counted {
    commits: number;
    /** Commits after the last migration: the slot map was followed. */
    after: number;
    failures: unknown[];
  }

  /**
   * Runs `loops` copies of `operation` (one commit each) while the slot of `key` moves to
   * another master `rounds` times, then 200 ms more; checks that every failure is typed and that
   * the key holds the number of commits.
   */
  async function underMigrations(
    key: string,
    operation: () => Promise<unknown>,
    loops: number,
    rounds: number,
  ): Promise<Counted> {
    const slot = slotOf(key);
    let running = true;
    const counted: Counted = { commits: 0, after: 0, failures: [] };
    const loop = async (): Promise<void> => {
      while (running) {
        try {
          await operation();
          counted.commits += 1;
        } catch (error) {
          counted.failures.push(error);
        }
      }
    };
    const started = Array.from({ length: loops }, loop);
    let settledAt = 0;
    try {
      for (let round = 0; round < rounds; round++) {
        const owner = await ownerOf(nodes, slot);
        await migrateSlot(
          nodes,
          slot,
          nodes.find((n) => n !== owner)!,
        );
        await sleep(50);
      }
      settledAt = counted.commits;
      await sleep(200);
    } finally {
      // The loops stop however this ends: a failed migration once left them running after the
      // run (mocha does not force an exit), retrying against a cluster already stopped.
      running = false;
      await Promise.all(started);
    }
    counted.after = counted.commits - settledAt;
    for (const failure of counted.failures) expect(failure).to.be.instanceOf(RedisextError);
    const owner = await ownerOf(nodes, slot);
    expect(Number(await raw(owner, 'GET', key))).to.equal(counted.commits);
    return counted;
  }

  it('each transaction commits once or rejects typed; the value is the number of commits', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq('migrating'));
    await hits.incr(0); // the key exists before the first migration
    const counted = await underMigrations(
      hits.key,
      async () => {
        const [value] = await Main.transaction((t) => [hits.in(t).incr()]);
        expect(value).to.be.a('number');
      },
      3,
      4,
    );
    expect(counted.after).to.be.above(10);
    // Redirections are followed, not reported.
    expect(counted.failures).to.deep.equal([]);
  });

  it('a watch() loop keeps its exact total across migrations', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq('watched'));
    await hits.set(0);
    const counted = await underMigrations(
      hits.key,
      () =>
        Main.watch([hits], async (tx) => {
          const current = (await hits.in(tx).get()) ?? 0;
          return (t) => [hits.in(t).set(current + 1)];
        }),
      2,
      3,
    );
    expect(counted.after).to.be.above(10);
    // Redirections are followed; a migrated key was changed on its old node (MIGRATE deletes
    // it there), which WATCH reports as a lost race: only those may have failed.
    for (const failure of counted.failures) expect(failure).to.be.instanceOf(WatchConflictError);
  });
});
