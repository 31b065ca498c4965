import { expect } from 'chai';
import { inspect } from 'node:util';
import { ConfigError, Connection, Counter, Lock, Map as RMap } from '../../src/index.js';
import { closeAll, connectionTo, raw, uniq } from '../support/helpers.js';
import { freePort, type RedisServer } from '../../tools/redis-server.js';
import { replicated, spawnServer } from '../support/topology.js';

describe('master/replica routing', () => {
  // Two independent servers: whatever a read returns says which server answered it.
  let master: RedisServer;
  let other: RedisServer;
  let third: RedisServer;
  before(async () => {
    [master, other, third] = await Promise.all([spawnServer(), spawnServer(), spawnServer()]);
  });
  after(closeAll);

  function models(Main: typeof Connection) {
    class Value extends RMap<string> {
      static override CONNECTION = Main;
    }
    class Hits extends Counter {
      static override CONNECTION = Main;
    }
    return { Value, Hits };
  }

  it('sends reads to the replica and writes to the master', async () => {
    const Main = connectionTo(master, { slave: other });
    const { Value, Hits } = models(Main);
    const key = uniq();
    await raw(other, 'SET', key, 'from-replica');
    await new Value(key).set('from-master');
    expect(await raw(master, 'GET', key)).to.equal('from-master');
    expect(await raw(other, 'GET', key)).to.equal('from-replica');
    expect(await new Value(key).get()).to.equal('from-replica');
    const hits = uniq();
    await new Hits(hits).incr(3);
    expect(await raw(master, 'GET', hits)).to.equal('3');
    expect(await raw(other, 'EXISTS', hits)).to.equal(0);
  });

  it('REPLICA is SLAVE under its current name; setting both is a ConfigError', async () => {
    const key = uniq();
    await raw(other, 'SET', key, 'from-replica');
    await raw(master, 'SET', key, 'from-master');
    class Named extends Connection {
      static override MASTER = master.url;
      static override REPLICA = [other.url];
    }
    expect(await new (models(Named).Value)(key).get()).to.equal('from-replica');
    class Both extends Connection {
      static override MASTER = master.url;
      static override SLAVE = other.url;
      static override REPLICA = third.url;
    }
    expect(() => Both.router()).to.throw(ConfigError, /both SLAVE and REPLICA/);
    await Named.close();
  });

  it('printing a Connection class names its topology and never a password', () => {
    class Clustered extends Connection {
      static override CLUSTER = ['redis://:s3cr3t-pw@10.0.0.1:7000'];
    }
    class Watched extends Connection {
      static override SENTINEL = { name: 'shop', sentinels: ['redis://:s3cr3t-pw@10.0.0.2:26379'] };
    }
    class Plain extends Connection {
      static override MASTER = 'redis://:s3cr3t-pw@10.0.0.3:6379';
      static override REPLICA = 'redis://10.0.0.4:6379';
    }
    const printed = [inspect(Clustered), inspect(Watched), inspect(Plain)];
    expect(printed[0]).to.match(/CLUSTER: \[redis:\/\/:\*\*\*@10\.0\.0\.1:7000/);
    expect(printed[1]).to.match(/SENTINEL: shop via \[redis:\/\/:\*\*\*@10\.0\.0\.2:26379/);
    expect(printed[2]).to.match(/MASTER: .*10\.0\.0\.3.*REPLICA: \[redis:\/\/10\.0\.0\.4:6379/);
    for (const text of printed) expect(text).to.not.include('s3cr');
  });

  it('reads from the master for one call with fromMaster()', async () => {
    const Main = connectionTo(master, { slave: other });
    const { Value } = models(Main);
    const key = uniq();
    await raw(master, 'SET', key, 'M');
    await raw(other, 'SET', key, 'R');
    const value = new Value(key);
    expect(await value.fromMaster().get()).to.equal('M');
    expect(await value.get()).to.equal('R');
    expect(await value.fromMaster().exists()).to.equal(true);
  });

  it('reads that must be current (a lock owner) go to the master even with replicas', async () => {
    const Main = connectionTo(master, { slave: other });
    class Guard extends Lock {
      static override CONNECTION = Main;
    }
    const key = uniq();
    await raw(other, 'SET', key, 'stale-owner');
    const lock = new Guard(key);
    expect(await lock.locked()).to.equal(false);
    expect(await lock.acquire({ ttl: 5000 })).to.equal(true);
    expect(await lock.owned()).to.equal(true);
    expect(await raw(other, 'GET', key)).to.equal('stale-owner');
  });

  it('balances reads round-robin over several replicas', async () => {
    const Main = connectionTo(master, { slave: [other, third] });
    const { Value } = models(Main);
    const key = uniq();
    await raw(other, 'SET', key, 'A');
    await raw(third, 'SET', key, 'B');
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await new Value(key).get());
    expect(seen.filter((v) => v === 'A')).to.have.length(3);
    expect(seen.filter((v) => v === 'B')).to.have.length(3);
  });

  it('falls back to the master when a replica cannot be reached', async () => {
    const port = await freePort();
    class Main extends Connection {
      static override MASTER = master.url;
      static override SLAVE = `redis://127.0.0.1:${port}/0`;
    }
    const { Value } = models(Main);
    const key = uniq();
    await raw(master, 'SET', key, 'M');
    expect(await new Value(key).get()).to.equal('M');
    expect(await new Value(key).get()).to.equal('M');
    await Main.close();
  });

  it('skips a dead replica among several and keeps reading', async () => {
    const doomed = await spawnServer();
    const Main = connectionTo(master, { slave: [doomed, other] });
    const { Value } = models(Main);
    const key = uniq();
    await raw(doomed, 'SET', key, 'D');
    await raw(other, 'SET', key, 'O');
    expect(await new Value(key).get()).to.be.oneOf(['D', 'O']);
    await doomed.stop();
    const seen = new Set();
    for (let i = 0; i < 6; i++) seen.add(await new Value(key).get());
    expect([...seen]).to.deep.equal(['O']);
  });

  it('reads what was written through real replication after WAIT', async () => {
    const pair = await replicated();
    const Main = connectionTo(pair.master, { slave: pair.replica });
    const { Value } = models(Main);
    const key = uniq();
    await new Value(key).set('replicated');
    const client = await Main.client('master');
    expect(await client.sendCommand(['WAIT', '1', '2000'])).to.equal(1);
    expect(await new Value(key).get()).to.equal('replicated');
    expect(await raw(pair.replica, 'GET', key)).to.equal('replicated');
  });
});
