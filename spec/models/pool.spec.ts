import { expect } from 'chai';
import {
  ArgumentError,
  ConfigError,
  type Connection,
  EncodeError,
  serializer,
  WrongTypeError,
  type Serializer,
} from '../../src/index.js';
import { Pool } from '../../src/models/pool.js';
import { modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import { onEachTopology, protocolsNamed, type NamedConnection } from '../support/targets.js';

onEachTopology('Pool', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  const poolWith = <T>(ser?: Serializer<unknown>, connection: typeof Connection = Main) =>
    modelClass(Pool<T>, connection, ser);

  it('reads an empty pool: pop() is null, members() is []', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    expect(await pool.pop()).to.equal(null);
    expect(await pool.popMany(3)).to.deep.equal([]);
    expect(await pool.peek()).to.equal(null);
    expect(await pool.members()).to.deep.equal([]);
    expect(await pool.size()).to.equal(0);
    expect(await pool.contains('a')).to.equal(false);
    expect(await pool.containsMany(['a', 'b'])).to.deep.equal([false, false]);
    expect(await pool.remove('a')).to.equal(false);
    expect(await pool.pushMany([])).to.equal(0);
    expect(await pool.removeMany([])).to.equal(0);
    expect(await pool.containsMany([])).to.deep.equal([]);
    expect(await target().raw('EXISTS', pool.key)).to.equal(0);
  });

  it('push() of one item says whether it was added; of several, how many', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    expect(await pool.push('a')).to.equal(true);
    expect(await pool.push('a')).to.equal(false);
    expect(await pool.push('a', 'b', 'c', 'c')).to.equal(2);
    expect(await pool.pushMany(new Set(['c', 'd']))).to.equal(1);
    expect(await pool.size()).to.equal(4);
    expect((await pool.members()).sort()).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(await pool.contains('b')).to.equal(true);
    expect(await pool.containsMany(['b', 'z', 'a'])).to.deep.equal([true, false, true]);
    expect(['a', 'b', 'c', 'd']).to.include(await pool.peek());
    expect(await pool.size()).to.equal(4);
  });

  it('pop()/popMany() remove what they return; remove() takes one item or several', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    await pool.pushMany(['a', 'b', 'c', 'd', 'e', 'f']);
    const one = await pool.pop();
    expect(['a', 'b', 'c', 'd', 'e', 'f']).to.include(one);
    expect(await pool.contains(one as string)).to.equal(false);
    const two = await pool.popMany(2);
    expect(two).to.have.length(2);
    expect(new Set([one, ...two]).size).to.equal(3);
    expect(await pool.popMany(0)).to.deep.equal([]);
    expect(await pool.size()).to.equal(3);
    const rest = await pool.members();
    expect(await pool.remove(rest[0])).to.equal(true);
    expect(await pool.remove(rest[0])).to.equal(false);
    expect(await pool.remove(rest[1], rest[2], 'zz')).to.equal(2);
    expect(await pool.exists()).to.equal(false);
    await pool.pushMany(['x', 'y']);
    expect(await pool.removeMany(['x', 'y', 'z'])).to.equal(2);
    expect(await pool.popMany(10)).to.deep.equal([]);
  });

  it('refuses bad counts, no items and unencodable items before sending', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    await rejects(() => pool.popMany(-1), ArgumentError, /non-negative integer/);
    await rejects(() => pool.popMany(1.5), ArgumentError, /non-negative integer/);
    await rejects(() => (pool.push as (...items: string[]) => unknown)(), ArgumentError, /least/);
    await rejects(() => pool.pushMany(['a', null as unknown as string]), EncodeError, /absent/);
    await rejects(() => pool.push(1 as unknown as string), EncodeError, /only strings/);
    expect(await target().raw('EXISTS', pool.key)).to.equal(0);
  });

  it('names the model and key in count errors: popMany() takes 0 and up, scan() 1 and up', async () => {
    const Tickets = modelClass(Pool<string>, Main, undefined, 'Tickets');
    const pool = new Tickets(uniq());
    const refused: Array<[() => unknown, string]> = [
      [() => pool.popMany(-1), 'count must be a non-negative integer, got -1'],
      [() => pool.popMany(1.5), 'count must be a non-negative integer, got 1.5'],
      [() => pool.popMany(Number.NaN), 'count must be a non-negative integer, got NaN'],
      [() => pool.scan({ count: 0 }), 'count must be a positive integer, got 0'],
      [() => pool.scan({ count: 2.5 }), 'count must be a positive integer, got 2.5'],
    ];
    for (const [call, message] of refused) {
      const error = await rejects(call, ArgumentError);
      expect(error.model).to.equal('Tickets');
      expect(error.key).to.equal(pool.key);
      expect(error.message).to.equal(`Tickets "${pool.key}": ${message}`);
    }
    expect(await pool.popMany(0)).to.deep.equal([]);
    await pool.push('a');
    const scanned: string[] = [];
    for await (const item of pool.scan({ count: 1 })) scanned.push(item);
    expect(scanned).to.deep.equal(['a']);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other items through ${name}`, async () => {
      const Items = poolWith<unknown>(ser);
      const pool = new Items(uniq());
      expect(await pool.pushMany(values)).to.equal(values.length);
      expect(await pool.members()).to.have.deep.members(values);
      for (const v of values) expect(await pool.contains(v)).to.equal(true);
      const popped: unknown[] = [];
      for (let item = await pool.pop(); item !== null; item = await pool.pop()) popped.push(item);
      expect(popped).to.have.deep.members(values);
      expect(popped).to.have.length(values.length);
    });
  }

  it('uses the Python layout: a Redis set, readable and writable by plain commands', async () => {
    const Ids = poolWith<number>(serializer.JSON);
    const pool = new Ids(uniq());
    await pool.push(1, 2);
    expect(await target().raw('TYPE', pool.key)).to.equal('set');
    expect(((await target().raw('SMEMBERS', pool.key)) as string[]).sort()).to.deep.equal([
      '1',
      '2',
    ]);
    await target().raw('SADD', pool.key, '3');
    expect((await pool.members()).sort()).to.deep.equal([1, 2, 3]);
    expect(await target().raw('SISMEMBER', pool.key, '3')).to.equal(1);
    expect(await pool.remove(3)).to.equal(true);
    expect(await target().raw('SCARD', pool.key)).to.equal(2);
  });

  it('reports another Redis type as a WrongTypeError naming the model and key', async () => {
    class FreePorts extends Pool<string> {
      static override CONNECTION = Main;
    }
    const ports = new FreePorts(uniq());
    await target().raw('RPUSH', ports.key, 'a list');
    for (const call of [() => ports.push('a'), () => ports.pop(), () => ports.members()]) {
      const error = await rejects(call, WrongTypeError);
      expect(error.model).to.equal('FreePorts');
      expect(error.key).to.equal(ports.key);
      expect(error.message).to.include('FreePorts').and.include(ports.key);
    }
  });

  it('gives each item to exactly one of 20 concurrent consumers on several connections', async () => {
    const key = uniq();
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const Numbers = poolWith<number>(serializer.Numeric);
    expect(await new Numbers(key).pushMany(items)).to.equal(2000);
    const connections = [target().connection(), target().connection(), target().connection()];
    const consumers = Array.from({ length: 20 }, (_, i) => {
      const Consumer = poolWith<number>(serializer.Numeric, connections[i % 3]);
      return new Consumer(key);
    });
    const takes = await Promise.all(
      consumers.map(async (pool) => {
        const got: number[] = [];
        for (let item = await pool.pop(); item !== null; item = await pool.pop()) got.push(item);
        return got;
      }),
    );
    const all = takes.flat();
    expect(all).to.have.length(2000);
    expect(new Set(all).size).to.equal(2000);
    expect([...all].sort((a, b) => a - b)).to.deep.equal(items);
    expect(await new Numbers(key).exists()).to.equal(false);
  });

  it('scan() iterates every item in pages and filters with match', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    const names = Array.from({ length: 300 }, (_, i) => `${i % 3 ? 'user' : 'admin'}-${i}`);
    await pool.pushMany(names);
    const seen = new Set<string>();
    for await (const name of pool.scan({ count: 25 })) seen.add(name);
    expect([...seen].sort()).to.deep.equal([...names].sort());
    const admins = new Set<string>();
    for await (const name of pool.scan({ match: 'admin-*' })) admins.add(name);
    expect(admins.size).to.equal(100);
    expect(() => pool.scan({ count: -5 })).to.throw(ArgumentError);
  });

  it('runs in a transaction (empty inputs keep their slot); scan() refuses to', async () => {
    const Names = poolWith<string>();
    const pool = new Names(uniq());
    const results = await Main.transaction((t) => [
      pool.in(t).push('a'),
      pool.in(t).pushMany([]),
      pool.in(t).push('b', 'c'),
      pool.in(t).size(),
      pool.in(t).containsMany(['a', 'z']),
    ]);
    expect(results).to.deep.equal([true, 0, 2, 3, [true, false]]);
    await Main.pipeline((p) => {
      // @ts-expect-error -- an iterator cannot run in a batch: refused by the types too
      expect(() => pool.in(p).scan()).to.throw(ConfigError, /pipeline or transaction/);
      return [pool.in(p).size()];
    });
  });

  describe('over RESP2', () => {
    let Resp2: NamedConnection;
    before(() => {
      Resp2 = target().namedConnection({ protocol: 2 });
    });

    it('pushes, pops and lists items', async () => {
      const Items = poolWith<unknown>(serializer.JSON, Resp2);
      const pool = new Items(uniq());
      expect(await pool.push(0, '', false)).to.equal(3);
      expect(await pool.members()).to.have.deep.members([0, '', false]);
      expect(await pool.containsMany([false, 1])).to.deep.equal([true, false]);
      const popped = [await pool.pop(), ...(await pool.popMany(5))];
      expect(popped).to.have.deep.members([0, '', false]);
      expect(await pool.pop()).to.equal(null);
      // The connection really spoke RESP2: its clients (on every node that has one) say so.
      const protocols = await protocolsNamed(target(), Resp2.clientName);
      expect(new Set(protocols)).to.deep.equal(new Set([2]));
    });
  });
});
