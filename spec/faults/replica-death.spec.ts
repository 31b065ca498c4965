import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Map as RMap, model } from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { clusterWithReplicas } from '../support/cluster.js';
import { raw, track, uniq } from '../support/helpers.js';
import { sentinelGroup } from '../support/sentinel.js';
import { spawnServer, waitForLink } from '../support/topology.js';

/** What the read loops saw. */
interface Reads {
  ok: number;
  /** Reads after the kill that returned the value written. */
  after: number;
  readonly failures: unknown[];
  /** The longest a read took (ms). */
  slowest: number;
}

/**
 * Reads `keys` (each holds its own name) in `loops` concurrent loops while `kill` runs 300 ms
 * in, then for `after` ms more; returns what they saw.
 */
async function readThrough(
  Main: typeof Connection,
  keys: readonly string[],
  kill: () => void,
  after = 1_500,
): Promise<Reads> {
  @model({ connection: Main })
  class Value extends RMap<string> {}
  const reads: Reads = { ok: 0, after: 0, failures: [], slowest: 0 };
  let killedAt = Infinity;
  let running = true;
  const loop = async (offset: number): Promise<void> => {
    for (let n = offset; running; n++) {
      const key = keys[n % keys.length];
      const started = Date.now();
      try {
        const value = await new Value(key).get();
        expect(value).to.equal(key);
        reads.ok += 1;
        if (started > killedAt) reads.after += 1;
      } catch (error) {
        reads.failures.push(error);
        await sleep(10);
      }
      reads.slowest = Math.max(reads.slowest, Date.now() - started);
    }
  };
  const loops = [0, 1, 2, 3].map(loop);
  await sleep(300);
  killedAt = Date.now();
  kill();
  await sleep(after);
  running = false;
  await Promise.all(loops);
  return reads;
}

/** Writes each key's own name as its value on `master`, and waits for `replicas` replicas. */
async function seed(master: RedisServer, keys: readonly string[], replicas: number): Promise<void> {
  for (const key of keys) await raw(master, 'SET', key, key);
  expect(Number(await raw(master, 'WAIT', String(replicas), '5000'))).to.equal(replicas);
}

describe('faults: a replica dies under a load of reads', function () {
  this.timeout(30_000);

  it('master + 2 replicas: reads go on on the other replica or the master, none fails', async () => {
    const sync = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];
    const master = await spawnServer(sync);
    const replicas = await Promise.all(
      [0, 1].map(() => spawnServer(['--replicaof', master.host, String(master.port)])),
    );
    await Promise.all(replicas.map((replica) => waitForLink(replica)));
    const Main = class extends Connection {
      static override MASTER = master.url;
      static override SLAVE = replicas.map((replica) => replica.url);
    };
    track(() => Main.close());
    const keys = [uniq('r'), uniq('r'), uniq('r')];
    await seed(master, keys, 2);
    const reads = await readThrough(Main, keys, () => replicas[0].signal('SIGKILL'));
    console.log(
      `      ${reads.ok} reads, ${reads.after} after the kill, none failed; slowest ${reads.slowest} ms`,
    );
    expect(reads.failures).to.deep.equal([]);
    expect(reads.after).to.be.above(50);
  });

  it('Sentinel with READ_FROM_REPLICAS: reads fall back to the master, none fails', async () => {
    const group = await sentinelGroup();
    const Main = class extends Connection {
      static override SENTINEL = { name: group.name, sentinels: [group.sentinel.url] };
      static override READ_FROM_REPLICAS = true;
    };
    track(() => Main.close());
    const keys = [uniq('s'), uniq('s')];
    await seed(group.master, keys, 1);
    const reads = await readThrough(Main, keys, () => group.replica.signal('SIGKILL'));
    console.log(
      `      ${reads.ok} reads, ${reads.after} after the kill, none failed; slowest ${reads.slowest} ms`,
    );
    expect(reads.failures).to.deep.equal([]);
    expect(reads.after).to.be.above(50);
  });

  it('Cluster with READ_FROM_REPLICAS: reads of the dead replica’s slots go to their master, none fails', async () => {
    const { masters, replicas } = await clusterWithReplicas();
    const Main = class extends Connection {
      static override CLUSTER = masters[0].url;
      static override READ_FROM_REPLICAS = true;
    };
    track(() => Main.close());
    // Keys of every shard, the killed replica's (shard 1) twice; each written on its master.
    const keys: string[] = [];
    for (const shard of [0, 1, 2, 1]) {
      for (;;) {
        const key = uniq('c');
        const slot = slotOf(key);
        if ((slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2) !== shard) continue;
        keys.push(key);
        await seed(masters[shard], [key], 1);
        break;
      }
    }
    const reads = await readThrough(Main, keys, () => replicas[1].signal('SIGKILL'), 2_500);
    console.log(
      `      ${reads.ok} reads, ${reads.after} after the kill, none failed; slowest ${reads.slowest} ms`,
    );
    expect(reads.failures).to.deep.equal([]);
    expect(reads.after).to.be.above(50);
  });
});
