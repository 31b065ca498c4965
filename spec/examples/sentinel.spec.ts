import { expect } from 'chai';
import { Connection } from '../../src/index.js';
import { sentinelBasics, sentinelModels } from '../../examples/sentinel.js';
import { commandCalls, raw, uniq } from '../support/helpers.js';
import { sentinelGroup, type SentinelGroup } from '../support/sentinel.js';

describe('examples/sentinel', function () {
  this.timeout(40_000);
  const opened: Array<typeof Connection> = [];
  after(async () => {
    await Promise.all(opened.splice(0).map((connection) => connection.close()));
  });

  /** A Connection to the group through its sentinel, reading from replicas. */
  function connectionFor(group: SentinelGroup): typeof Connection {
    const connection = class extends Connection {
      static override SENTINEL = { name: group.name, sentinels: [group.sentinel.url] };
      static override READ_FROM_REPLICAS = true;
    };
    opened.push(connection);
    return connection;
  }

  it('writes on the master the sentinel names, reads from its replica and with fromMaster()', async () => {
    const group = await sentinelGroup();
    const Main = connectionFor(group);
    const prefix = uniq('example:sentinel');
    const [masterGets, replicaGets] = [
      await commandCalls(group.master, 'get'),
      await commandCalls(group.replica, 'get'),
    ];

    const report = await sentinelBasics(Main, prefix);

    expect(report).to.deep.equal({
      written: [true, 1, 2],
      fromMaster: 2,
      durable: 3,
      fromReplica: [3, { name: 'Ann', plan: 'pro' }],
    });
    // One read went to the master (fromMaster), the two others to the replica.
    expect((await commandCalls(group.master, 'get')) - masterGets).to.equal(1);
    expect((await commandCalls(group.replica, 'get')) - replicaGets).to.equal(2);
    // The writes are on the master the sentinel named.
    const { Logins, Profiles } = sentinelModels(Main, prefix);
    expect(await raw(group.master, 'GET', new Logins('ann').key)).to.equal('3');
    expect(await raw(group.master, 'GET', new Profiles('ann').key)).to.equal(
      '{"name":"Ann","plan":"pro"}',
    );
  });
});
