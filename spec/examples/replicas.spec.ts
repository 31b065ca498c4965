import { expect } from 'chai';
import { replicaModels, replicas } from '../../examples/replicas.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, commandCalls, connectionTo, raw, uniq } from '../support/helpers.js';
import { replicated } from '../support/topology.js';

describe('examples/replicas', () => {
  let master: RedisServer;
  let replica: RedisServer;
  before(async () => {
    ({ master, replica } = await replicated());
  });
  after(closeAll);

  it('writes on the master, reads from the replica, fromMaster() and WAIT as the report says', async () => {
    const Main = connectionTo(master, { slave: replica });
    const prefix = uniq('example:replicas');
    const gets = async () => [
      await commandCalls(master, 'get'),
      await commandCalls(replica, 'get'),
    ];
    const [masterGets, replicaGets] = await gets();
    const waits = await commandCalls(master, 'wait');

    const report = await replicas(Main, prefix);

    expect(report).to.deep.equal({
      written: [1, 2],
      fromMaster: 2,
      durable: 12,
      fromReplica: 12,
      tooFew: { error: 'ReplicationError', replicas: 1, result: 13 },
      final: 13,
    });
    // Where the reads went: the two fromMaster() reads to the master, the plain one to the replica.
    const [masterAfter, replicaAfter] = await gets();
    expect(masterAfter - masterGets).to.equal(2);
    expect(replicaAfter - replicaGets).to.equal(1);
    // One WAIT per write of a model with WAIT (the durable one and the refused one).
    expect((await commandCalls(master, 'wait')) - waits).to.equal(2);
    // Both servers hold the final value: the write refused with ReplicationError was applied.
    const key = new (replicaModels(Main, prefix).Visits)('home').key;
    expect(key).to.equal(`${prefix}:home`);
    expect(await raw(master, 'GET', key)).to.equal('13');
    await raw(master, 'WAIT', '1', '2000');
    expect(await raw(replica, 'GET', key)).to.equal('13');
  });
});
