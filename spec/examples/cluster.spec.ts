import { expect } from 'chai';
import { Connection } from '../../src/index.js';
import { SESSIONS, cluster, clusterModels } from '../../examples/cluster.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { cluster as spawnCluster, ownerOf } from '../support/cluster.js';
import { raw, uniq } from '../support/helpers.js';

describe('examples/cluster', function () {
  this.timeout(30_000);
  let nodes: RedisServer[];
  let Main: typeof Connection;
  before(async () => {
    nodes = await spawnCluster();
    Main = class extends Connection {
      static override CLUSTER = nodes.map((node) => node.url);
    };
  });
  after(async () => {
    await Main.close();
  });

  /** The slot of `key`, as the server computes it. */
  const slotOf = async (key: string) => Number(await raw(nodes[0], 'CLUSTER', 'KEYSLOT', key));
  /** The master that holds `key`'s slot. */
  const ownerOfKey = async (key: string) => ownerOf(nodes, await slotOf(key));

  it('spreads models over the masters, runs a {user:42} transaction, refuses two slots, scans every master', async () => {
    const prefix = uniq('example:cluster');
    const report = await cluster(Main, prefix);
    const { PageViews, Sessions, user } = clusterModels(Main, prefix);
    const ann = user(42);
    const bob = user(7);

    expect(report.pipelined).to.deep.equal(Array.from({ length: 16 }, (_, n) => n + 1));
    expect(report.total).to.equal(136);
    // Each counter is on the master of its slot, and the 16 keys are on more than one master.
    const owners = new Set<number>();
    for (let n = 0; n < 16; n++) {
      const key = new PageViews(`page-${n}`).key;
      const owner = await ownerOfKey(key);
      owners.add(owner.port);
      expect(await raw(owner, 'GET', key), key).to.equal(String(n + 1));
    }
    expect(owners.size).to.be.greaterThan(1);

    // The transaction: one slot for the three keys, and its effects on that slot's master.
    expect(report.transaction).to.deep.equal([1, true, true]);
    const slots = await Promise.all(
      [ann.orders.key, ann.lastOrder.key, ann.cart.key].map((key) => slotOf(key)),
    );
    expect(new Set(slots).size).to.equal(1);
    const owner = await ownerOf(nodes, slots[0]);
    expect(await raw(owner, 'GET', ann.orders.key)).to.equal('1');
    expect(await raw(owner, 'GET', ann.lastOrder.key)).to.equal('{"id":"o-1","total":30}');
    expect(await raw(owner, 'EXISTS', ann.cart.key)).to.equal(0);

    // The cross-slot transaction: a CrossSlotError naming both keys, nothing sent.
    expect(report.crossSlot).to.deep.equal({
      error: 'CrossSlotError',
      keys: [ann.orders.key, bob.orders.key],
      slotsDiffer: true,
      orders: 1,
      otherExists: false,
    });
    expect(await slotOf(ann.orders.key)).to.not.equal(await slotOf(bob.orders.key));
    expect(await raw(await ownerOfKey(bob.orders.key), 'EXISTS', bob.orders.key)).to.equal(0);

    // The scan found every session though they live on several masters; clear() removed them.
    const ids = Array.from({ length: SESSIONS }, (_, n) => `s-${n}`);
    expect(report.scanned).to.deep.equal(ids);
    expect(report.cleared).to.equal(SESSIONS);
    const sessionOwners = new Set<number>();
    for (const id of ids) {
      const key = `${new Sessions().key}:${id}`;
      const node = await ownerOfKey(key);
      sessionOwners.add(node.port);
      expect(await raw(node, 'EXISTS', key), key).to.equal(0);
    }
    expect(sessionOwners.size).to.be.greaterThan(1);
  });
});
