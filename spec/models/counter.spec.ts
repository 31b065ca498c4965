import { expect } from 'chai';
import { ArgumentError, Counter, DecodeError } from '../../src/index.js';
import { rejects, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('Counter', (target) => {
  let Hits: new (key?: string) => Counter;
  before(() => {
    const Main = target().connection();
    Hits = class extends Counter {
      static override CONNECTION = Main;
    };
  });

  it('get() is null until the first increment', async () => {
    const hits = new Hits(uniq());
    expect(await hits.get()).to.equal(null);
    expect(await hits.incr()).to.equal(1);
    expect(await hits.get()).to.equal(1);
  });

  it('incr/decr by steps, stored as a plain integer string', async () => {
    const hits = new Hits(uniq());
    expect(await hits.incr(10)).to.equal(10);
    expect(await hits.decr()).to.equal(9);
    expect(await hits.decr(20)).to.equal(-11);
    expect(await target().raw('GET', hits.key)).to.equal('-11');
    await hits.set(0);
    expect(await hits.get()).to.equal(0);
  });

  it('refuses fractional steps before sending', async () => {
    await rejects(() => new Hits(uniq()).incr(1.5), ArgumentError, /safe integer/);
  });

  it('reads a value written by redis-cli, and reports a non-integer as a DecodeError', async () => {
    const hits = new Hits(uniq());
    await target().raw('SET', hits.key, '41');
    expect(await hits.incr()).to.equal(42);
    await target().raw('SET', hits.key, 'forty');
    await rejects(() => hits.get(), DecodeError, /safe integer/);
  });

  it('gives the exact total under many concurrent increments from several connections', async () => {
    const key = uniq();
    const connections = [target().connection(), target().connection(), target().connection()];
    const counters = connections.map(
      (Main) =>
        new (class extends Counter {
          static override CONNECTION = Main;
        })(key),
    );
    const calls = Array.from({ length: 3000 }, (_, i) => counters[i % 3].incr());
    const results = await Promise.all(calls);
    expect(new Set(results).size).to.equal(3000);
    expect(Math.max(...results)).to.equal(3000);
    expect(await counters[0].get()).to.equal(3000);
  });
});
