import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Counter, Map as RMap, model } from '../../src/index.js';
import { raw, uniq } from '../support/helpers.js';
import { ask, sentinelGroup, type SentinelGroup } from '../support/sentinel.js';

/** Writes until one succeeds; returns how long it took (ms). */
async function writeUntilOk(write: () => Promise<unknown>, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await write();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > limitMs) throw error;
      await sleep(50);
    }
  }
}

describe('Sentinel', function () {
  this.timeout(40_000);

  function connectionFor(group: SentinelGroup, readFromReplicas = false): typeof Connection {
    return class extends Connection {
      static override SENTINEL = { name: group.name, sentinels: [group.sentinel.url] };
      static override READ_FROM_REPLICAS = readFromReplicas;
    };
  }

  it('writes to the master the sentinel names and reads from a replica when asked', async () => {
    const group = await sentinelGroup();
    const Main = connectionFor(group, true);
    @model({ connection: Main })
    class Value extends RMap {}
    const key = uniq();
    await new Value(key).set('v');
    expect(await raw(group.master, 'GET', key)).to.equal('v');
    await raw(group.master, 'WAIT', '1', '2000');
    await raw(group.replica, 'CONFIG', 'SET', 'replica-read-only', 'yes');
    expect(await new Value(key).get()).to.equal('v');
    expect(Main.describe()).to.include('master').and.include(String(group.master.port));
    await Main.close();
  });

  it('follows a failover after the master is killed (SIGKILL)', async () => {
    const group = await sentinelGroup();
    const Main = connectionFor(group);
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    expect(await hits.incr()).to.equal(1);
    await raw(group.master, 'WAIT', '1', '2000');
    group.master.signal('SIGKILL');
    const took = await writeUntilOk(() => hits.incr(), 30_000);
    console.log(`      failover after SIGKILL: writes succeeded again after ${took} ms`);
    expect(await hits.get()).to.be.at.least(2);
    expect(await ask(group.replica, 'ROLE')).to.satisfy(
      (role: unknown[]) => String(role[0]) === 'master',
    );
    await Main.close();
  });

  it('follows SENTINEL FAILOVER: a demoted master answers READONLY and the write is retried on the new one', async () => {
    const group = await sentinelGroup();
    const Main = connectionFor(group);
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    await hits.incr();
    await raw(group.master, 'WAIT', '1', '2000');
    await raw(group.sentinel, 'SENTINEL', 'FAILOVER', group.name);
    const deadline = Date.now() + 20_000;
    const role = async (server: typeof group.master) =>
      String(((await ask(server, 'ROLE')) as unknown[])[0]);
    // Wait until the old master is a replica too: writes sent to it before that would be lost
    // when it resyncs (a property of Redis failover, not of the client).
    while ((await role(group.replica)) !== 'master' || (await role(group.master)) !== 'slave') {
      if (Date.now() > deadline) throw new Error('failover did not happen');
      await sleep(50);
    }
    const took = await writeUntilOk(() => hits.incr(), 20_000);
    console.log(`      SENTINEL FAILOVER: writes succeeded again after ${took} ms`);
    expect(Number(await ask(group.replica, 'GET', hits.key))).to.be.at.least(2);
    await Main.close();
  });
});
