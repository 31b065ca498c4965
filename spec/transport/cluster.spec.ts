import { expect } from 'chai';
import { createCluster } from 'redis';
import {
  AuthError,
  Connection,
  Counter,
  CrossSlotError,
  Map as RMap,
  model,
  serializer,
} from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import { cluster } from '../support/cluster.js';
import { raw, rejects, uniq } from '../support/helpers.js';
import type { RedisServer } from '../../tools/redis-server.js';

describe('Redis Cluster', function () {
  this.timeout(30_000);
  let nodes: RedisServer[];
  let Main: typeof Connection;
  let inspector: ReturnType<typeof createCluster>;

  before(async () => {
    nodes = await cluster();
    Main = class extends Connection {
      static override CLUSTER = nodes[0].url;
    };
    inspector = createCluster({ rootNodes: [{ url: nodes[0].url }] });
    inspector.on('error', () => undefined);
    await inspector.connect();
  });
  after(async () => {
    await Main.close();
    await inspector.close();
  });

  /** Node index (0..2) holding a key's slot, from the slot ranges the harness assigned. */
  const nodeOf = (key: string) => {
    const slot = slotOf(key);
    return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
  };
  /** Keys spread over the three masters. */
  const spread = (prefix: string): string[] => {
    const keys: string[] = [];
    for (let i = 0; keys.length < 3; i++) {
      const key = `${prefix}-${i}`;
      if (nodeOf(key) === keys.length) keys.push(key);
    }
    return keys;
  };

  it('computes the same hash slots as the server', async () => {
    for (const key of ['', 'a', 'foo', '{user1000}.following', 'x{}y', '{}{a}', 'é-ü-ñ', uniq()]) {
      expect(slotOf(key), key).to.equal(await raw(nodes[0], 'CLUSTER', 'KEYSLOT', key));
    }
  });

  it('runs models on keys held by all three masters', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    const keys = spread(uniq('hits'));
    expect(new Set(keys.map(nodeOf)).size).to.equal(3);
    for (const key of keys) {
      expect(await new Hits(key).incr(2)).to.equal(2);
      expect(await new Hits(key).get()).to.equal(2);
      expect(await raw(nodes[nodeOf(key)], 'GET', key)).to.equal('2');
    }
  });

  it('splits a cross-model pipeline per node and returns results in order', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    @model({ connection: Main, serializer: serializer.JSON })
    class Docs extends RMap<{ n: number }> {}
    const [a, b, c] = spread(uniq('p'));
    await inspector.sendCommand(b, false, ['SET', b, '{"n":7}']);
    const results = await Main.pipeline((p) => [
      new Hits(a).in(p).incr(),
      new Docs(b).in(p).get(),
      new Hits(c).in(p).incr(5),
      new Docs(`${c}-doc`).in(p).set({ n: 1 }),
      new Hits(a).in(p).incr(),
      new Docs(b).in(p).exists(),
    ]);
    expect(results).to.deep.equal([1, { n: 7 }, 5, true, 2, true]);
  });

  it('runs a transaction whose keys share a hash tag', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    const tag = `{${uniq('acct')}}`;
    const [x, y] = await Main.transaction((t) => [
      new Hits(`${tag}:a`).in(t).incr(),
      new Hits(`${tag}:b`).in(t).incr(3),
    ]);
    expect([x, y]).to.deep.equal([1, 3]);
  });

  it('refuses a transaction across slots with a typed error before sending', async () => {
    @model({ connection: Main })
    class Hits extends Counter {}
    const [a, b] = spread(uniq('x'));
    await rejects(
      () => Main.transaction((t) => [new Hits(a).in(t).incr(), new Hits(b).in(t).incr()]),
      CrossSlotError,
      /hash slot/,
    );
    expect(await inspector.sendCommand(a, true, ['EXISTS', a])).to.equal(0);
  });

  it('WATCH read-modify-write works within one slot and refuses several slots', async () => {
    @model({ connection: Main, serializer: serializer.Numeric })
    class Balance extends RMap<number> {}
    const balance = new Balance(`{${uniq('bal')}}`);
    await balance.set(10);
    const [ok] = await Main.watch([balance], async (tx) => {
      const current = (await balance.in(tx).get()) ?? 0;
      return (t) => [balance.in(t).set(current + 5)];
    });
    expect(ok).to.equal(true);
    expect(await balance.get()).to.equal(15);
    const [a, b] = spread(uniq('w'));
    await rejects(() => Main.watch([a, b], async () => () => []), CrossSlotError);
  });

  it('rename across slots is a typed CrossSlotError, within a slot it works', async () => {
    @model({ connection: Main })
    class Value extends RMap {}
    const [a, b] = spread(uniq('r'));
    await new Value(a).set('v');
    await rejects(() => new Value(a).rename(b), CrossSlotError);
    const tag = `{${uniq('t')}}`;
    await new Value(`${tag}1`).set('w');
    expect(await new Value(`${tag}1`).rename(`${tag}2`)).to.equal(true);
    expect(await new Value(`${tag}2`).get()).to.equal('w');
  });

  it('a seed with a wrong password is an AuthError, as on standalone, never showing it', async () => {
    const secret = 'w7ongPa55-cluster';
    class Wrong extends Connection {
      static override CLUSTER = `redis://nobody:${secret}@127.0.0.1:${nodes[0].port}`;
    }
    @model({ connection: Wrong })
    class Hits extends Counter {}
    try {
      const error = await rejects(() => new Hits(uniq()).incr(), AuthError);
      expect(error.code).to.equal('WRONGPASS');
      expect(error.message).not.to.include(secret);
      expect(String(error.stack)).not.to.include(secret);
    } finally {
      await Wrong.close();
    }
  });
});
