import { expect } from 'chai';
import {
  ArgumentError,
  ConfigError,
  type Connection,
  DecodeError,
  EncodeError,
  serializer,
  WrongTypeError,
  type Serializer,
} from '../../src/index.js';
import { HashMap } from '../../src/models/hash-map.js';
import { modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('HashMap', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  const hashWith = <T>(ser?: Serializer<unknown>, connection: typeof Connection = Main) =>
    modelClass(HashMap<T>, connection, ser);

  it('reads an absent hash as empty and leaves no key behind', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    expect(await hash.get('a')).to.equal(null);
    expect(await hash.has('a')).to.equal(false);
    expect(await hash.getMany(['a', 'b'])).to.deep.equal([null, null]);
    expect(await hash.getAll()).to.deep.equal({});
    expect(await hash.fields()).to.deep.equal([]);
    expect(await hash.values()).to.deep.equal([]);
    expect(await hash.size()).to.equal(0);
    expect(await hash.remove('a')).to.equal(false);
    expect(await hash.remove('a', 'b')).to.equal(0);
    expect(await hash.getMany([])).to.deep.equal([]);
    expect(await hash.setMany({})).to.equal(0);
    expect(await hash.removeMany([])).to.equal(0);
    expect(await target().raw('EXISTS', hash.key)).to.equal(0);
  });

  it('set() says whether the field is new; get/has/size/fields/values follow', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    expect(await hash.set('a', 'one')).to.equal(true);
    expect(await hash.set('a', 'uno')).to.equal(false);
    expect(await hash.set('b', 'two')).to.equal(true);
    expect(await hash.get('a')).to.equal('uno');
    expect(await hash.has('a')).to.equal(true);
    expect(await hash.has('c')).to.equal(false);
    expect(await hash.size()).to.equal(2);
    expect((await hash.fields()).sort()).to.deep.equal(['a', 'b']);
    expect((await hash.values()).sort()).to.deep.equal(['two', 'uno']);
    expect(await hash.getAll()).to.deep.equal({ a: 'uno', b: 'two' });
  });

  it('set() with ifAbsent only sets a missing field (HSETNX)', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    expect(await hash.set('a', 'first', { ifAbsent: true })).to.equal(true);
    expect(await hash.set('a', 'second', { ifAbsent: true })).to.equal(false);
    expect(await hash.get('a')).to.equal('first');
  });

  it('setMany() takes an object or pairs, counts new fields; getMany() keeps the order', async () => {
    const Hash = hashWith<number>(serializer.JSON);
    const hash = new Hash(uniq());
    expect(await hash.setMany({ a: 1, b: 2 })).to.equal(2);
    expect(
      await hash.setMany(
        new globalThis.Map([
          ['b', 20],
          ['c', 30],
        ]),
      ),
    ).to.equal(1);
    expect(await hash.getMany(['c', 'missing', 'a', 'b'])).to.deep.equal([30, null, 1, 20]);
    expect(await hash.getMany(new Set(['a']))).to.deep.equal([1]);
  });

  it('remove() takes one field (boolean) or several (count); removeMany() takes a list', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    await hash.setMany({ a: '1', b: '2', c: '3', d: '4' });
    expect(await hash.remove('a')).to.equal(true);
    expect(await hash.remove('a')).to.equal(false);
    expect(await hash.remove('b', 'c', 'zz')).to.equal(2);
    expect(await hash.removeMany(['d', 'zz'])).to.equal(1);
    expect(await hash.exists()).to.equal(false);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other values through ${name} (get, getMany, getAll, values)`, async () => {
      const Hash = hashWith<unknown>(ser);
      const hash = new Hash(uniq());
      const record: Record<string, unknown> = {};
      values.forEach((v, i) => (record[`f${i}`] = v));
      for (const [field, v] of Object.entries(record)) {
        expect(await hash.set(field, v)).to.equal(true);
        expect(await hash.has(field)).to.equal(true);
        expect(await hash.get(field)).to.deep.equal(v);
      }
      expect(await hash.size()).to.equal(values.length);
      expect(await hash.getMany(Object.keys(record))).to.deep.equal(values);
      expect(await hash.getAll()).to.deep.equal(record);
      expect(await hash.values()).to.have.deep.members(values);
      const copy = new Hash(uniq());
      expect(await copy.setMany(record)).to.equal(values.length);
      expect(await copy.getAll()).to.deep.equal(record);
    });
  }

  it('incr()/decr() count with HINCRBY, readable by the Numeric serializer', async () => {
    const Hash = hashWith<number>(serializer.Numeric);
    const hash = new Hash(uniq());
    expect(await hash.incr('hits')).to.equal(1);
    expect(await hash.incr('hits', 10)).to.equal(11);
    expect(await hash.decr('hits')).to.equal(10);
    expect(await hash.decr('hits', 15)).to.equal(-5);
    expect(await hash.get('hits')).to.equal(-5);
    expect(await target().raw('HGET', hash.key, 'hits')).to.equal('-5');
    await rejects(() => hash.incr('hits', 1.5), ArgumentError, /safe integer/);
    await rejects(() => hash.incr('hits', Number.NaN), ArgumentError, /safe integer/);
    expect(await hash.get('hits')).to.equal(-5);
  });

  it('refuses bad fields and null values before sending', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    await rejects(() => hash.get(42 as unknown as string), ArgumentError, /field names/);
    await rejects(
      () => hash.setMany({ a: 'ok', b: null as unknown as string }),
      EncodeError,
      /absent/,
    );
    await rejects(() => hash.set('a', 5 as unknown as string), EncodeError, /only strings/);
    await rejects(() => (hash.remove as (...f: string[]) => unknown)(), ArgumentError, /at least/);
    expect(await target().raw('EXISTS', hash.key)).to.equal(0);
  });

  it('keeps a field named __proto__ as an own property (no prototype pollution)', async () => {
    const Hash = hashWith<string>();
    const hash = new Hash(uniq());
    expect(await hash.setMany([['__proto__', 'p']])).to.equal(1);
    expect(await hash.get('__proto__')).to.equal('p');
    expect(await hash.fields()).to.deep.equal(['__proto__']);
    const polluted = ({} as Record<string, unknown>).p;
    expect(polluted).to.equal(undefined);
  });

  for (const protocol of [3, 2] as const) {
    it(`reads back fields named __proto__, constructor, prototype whole (RESP${protocol}: getAll, getMany, values, scan, in batches)`, async () => {
      const Hash = hashWith<string>(undefined, target().connection({ protocol }));
      const hash = new Hash(uniq());
      const names = ['__proto__', 'constructor', 'prototype', 'plain'];
      // Written by another client, as any service sharing the data may.
      await target().raw('HSET', hash.key, ...names.flatMap((name) => [name, `v-${name}`]));
      const expected = (all: Record<string, string>): void => {
        expect(Object.getPrototypeOf(all)).to.equal(Object.prototype);
        expect(Object.keys(all).sort()).to.deep.equal([...names].sort());
        for (const name of names) {
          expect(Object.getOwnPropertyDescriptor(all, name)?.value).to.equal(`v-${name}`);
        }
      };
      expected(await hash.getAll());
      expect(await hash.getMany(names)).to.deep.equal(names.map((name) => `v-${name}`));
      expect((await hash.values()).sort()).to.deep.equal(names.map((name) => `v-${name}`).sort());
      const scanned: string[] = [];
      for await (const [field] of hash.scan()) scanned.push(field);
      expect(scanned.sort()).to.deep.equal([...names].sort());
      const connection = hash.connection;
      const [piped] = await connection.pipeline((p) => [hash.in(p).getAll()]);
      expected(piped);
      const [inTransaction] = await connection.transaction((t) => [hash.in(t).getAll()]);
      expected(inTransaction);
      expect(({} as Record<string, unknown>).plain).to.equal(undefined);
    });
  }

  it('uses the Python layout: a Redis hash, readable and writable by plain commands', async () => {
    const Hash = hashWith<{ n: number }>(serializer.JSON);
    const hash = new Hash(uniq());
    await hash.set('a', { n: 1 });
    expect(await target().raw('TYPE', hash.key)).to.equal('hash');
    expect(await target().raw('HGET', hash.key, 'a')).to.equal('{"n":1}');
    await target().raw('HSET', hash.key, 'b', '{"n":2}');
    expect(await hash.get('b')).to.deep.equal({ n: 2 });
    expect(await hash.getAll()).to.deep.equal({ a: { n: 1 }, b: { n: 2 } });
    await target().raw('HSET', hash.key, 'bad', 'not json');
    await rejects(() => hash.get('bad'), DecodeError, /decode/);
    expect(await target().raw('HEXISTS', hash.key, 'bad')).to.equal(1);
  });

  it('reports another Redis type as a WrongTypeError naming the model and key', async () => {
    class Carts extends HashMap<string> {
      static override CONNECTION = Main;
    }
    const carts = new Carts(uniq());
    await target().raw('SET', carts.key, 'a string');
    for (const call of [
      () => carts.get('a'),
      () => carts.set('a', 'x'),
      () => carts.getAll(),
      () => carts.size(),
    ]) {
      const error = await rejects(call, WrongTypeError);
      expect(error.model).to.equal('Carts');
      expect(error.key).to.equal(carts.key);
      expect(error.message).to.include('Carts').and.include(carts.key);
    }
  });

  it('scan() iterates every field in pages and filters with match', async () => {
    const Hash = hashWith<number>(serializer.Numeric);
    const hash = new Hash(uniq());
    const record: Record<string, number> = {};
    for (let i = 0; i < 300; i++) record[`${i % 2 ? 'odd' : 'even'}-${i}`] = i;
    await hash.setMany(record);
    const seen = new globalThis.Map<string, number>();
    for await (const [field, value] of hash.scan({ count: 20 })) seen.set(field, value);
    expect(Object.fromEntries(seen)).to.deep.equal(record);
    const odd = new Set<string>();
    for await (const [field] of hash.scan({ match: 'odd-*' })) odd.add(field);
    expect(odd.size).to.equal(150);
    expect([...odd].every((f) => f.startsWith('odd-'))).to.equal(true);
    const empty = [];
    for await (const entry of new Hash(uniq()).scan()) empty.push(entry);
    expect(empty).to.deep.equal([]);
    expect(() => hash.scan({ count: 0 })).to.throw(ArgumentError, /positive integer/);
    const error = await rejects(() => hash.scan({ count: -3 }), ArgumentError);
    expect([error.model, error.key]).to.deep.equal(['HashMap', hash.key]);
    expect(error.message).to.equal(
      `HashMap "${hash.key}": count must be a positive integer, got -3`,
    );
  });

  it('runs in a pipeline (empty inputs keep their slot); scan() refuses to', async () => {
    const Hash = hashWith<number>(serializer.JSON);
    const hash = new Hash(uniq());
    const [isNew, none, many, all, size] = await Main.pipeline((p) => [
      hash.in(p).set('a', 0),
      hash.in(p).getMany([]),
      hash.in(p).getMany(['a', 'b']),
      hash.in(p).getAll(),
      hash.in(p).size(),
    ]);
    expect([isNew, none, many, all, size]).to.deep.equal([true, [], [0, null], { a: 0 }, 1]);
    await Main.transaction((t) => {
      // @ts-expect-error -- an iterator cannot run in a batch: refused by the types too
      expect(() => hash.in(t).scan()).to.throw(ConfigError, /pipeline or transaction/);
      return [hash.in(t).incr('a')];
    });
    expect(await hash.get('a')).to.equal(1);
  });

  describe('over RESP2', () => {
    let Resp2: typeof Connection;
    before(() => {
      Resp2 = target().connection({ protocol: 2 });
    });

    it('decodes flat-array replies (getAll, getMany, fields, values, incr, scan)', async () => {
      const Hash = hashWith<unknown>(serializer.JSON, Resp2);
      const hash = new Hash(uniq());
      await hash.setMany({ a: 0, b: '', c: { x: [1] } });
      // The connection really speaks RESP2: HGETALL comes back as a flat array.
      expect(await target().sendThrough(Resp2, ['HGETALL', hash.key]))
        .to.be.an('array')
        .with.length(6);
      expect(await hash.getAll()).to.deep.equal({ a: 0, b: '', c: { x: [1] } });
      expect(await hash.getMany(['c', 'z'])).to.deep.equal([{ x: [1] }, null]);
      expect((await hash.fields()).sort()).to.deep.equal(['a', 'b', 'c']);
      expect(await hash.values()).to.have.deep.members([0, '', { x: [1] }]);
      expect(await hash.incr('a', 2)).to.equal(2);
      const seen: Array<[string, unknown]> = [];
      for await (const entry of hash.scan()) seen.push(entry);
      expect(seen).to.have.deep.members([
        ['a', 2],
        ['b', ''],
        ['c', { x: [1] }],
      ]);
    });

    it('keeps a __proto__ field from a flat array as an own property', async () => {
      const Hash = hashWith<string>(undefined, Resp2);
      const hash = new Hash(uniq());
      await target().raw('HSET', hash.key, '__proto__', 'p', 'a', '1');
      const all = await hash.getAll();
      expect(Object.getPrototypeOf(all)).to.equal(Object.prototype);
      expect(Object.hasOwn(all, '__proto__')).to.equal(true);
      expect(Object.keys(all).sort()).to.deep.equal(['__proto__', 'a']);
      expect(all.a).to.equal('1');
    });
  });
});
