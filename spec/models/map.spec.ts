import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgumentError, Map as RMap, serializer, type Serializer } from '../../src/index.js';
import type { Connection } from '../../src/index.js';
import { modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('Map', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  const mapWith = <T>(ser?: Serializer<unknown>) => modelClass(RMap<T>, Main, ser);

  it('get() is null when absent; set/get/remove/exists', async () => {
    const Value = mapWith<string>();
    const value = new Value(uniq());
    expect(await value.get()).to.equal(null);
    expect(await value.set('hello')).to.equal(true);
    expect(await value.get()).to.equal('hello');
    expect(await value.exists()).to.equal(true);
    expect(await value.remove()).to.equal(true);
    expect(await value.remove()).to.equal(false);
    expect(await value.get()).to.equal(null);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other values through ${name}`, async () => {
      const Value = mapWith<unknown>(ser);
      for (const v of values) {
        const value = new Value(uniq());
        await value.set(v);
        expect(await value.exists()).to.equal(true);
        expect(await value.get()).to.deep.equal(v);
      }
    });
  }

  it('sets the ttl (ms) in the same SET command', async () => {
    const Value = mapWith<string>();
    const value = new Value(uniq());
    await value.set('short', { ttl: 150 });
    const pttl = Number(await target().raw('PTTL', value.key));
    expect(pttl).to.be.within(1, 150);
    await sleep(250);
    expect(await value.get()).to.equal(null);
    await rejects(() => value.set('x', { ttl: 0 }), ArgumentError, /milliseconds/);
    await rejects(() => value.set('x', { ttl: 1.5 }), ArgumentError, /milliseconds/);
  });

  it('ifAbsent only sets a missing value', async () => {
    const Value = mapWith<string>();
    const value = new Value(uniq());
    expect(await value.set('first', { ifAbsent: true })).to.equal(true);
    expect(await value.set('second', { ifAbsent: true })).to.equal(false);
    expect(await value.get()).to.equal('first');
  });

  it('incr/decr a numeric value', async () => {
    const Value = mapWith<number>(serializer.Numeric);
    const value = new Value(uniq());
    await value.set(5);
    expect(await value.incr(3)).to.equal(8);
    expect(await value.decr(10)).to.equal(-2);
    expect(await value.get()).to.equal(-2);
  });
});
