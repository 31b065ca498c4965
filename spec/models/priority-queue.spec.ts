import { expect } from 'chai';
import {
  ArgumentError,
  EncodeError,
  serializer,
  WrongTypeError,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import { PriorityQueue } from '../../src/models/priority-queue.js';
import { eventually, modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import {
  blockedNamed,
  clientLines,
  clientsNamed,
  expectEachItemOnce,
  expectPopAborts,
  expectPopLeavesConnectionFree,
  onEachTopology,
  protocolsNamed,
  sharedConnections,
  type NamedConnection,
} from '../support/targets.js';

onEachTopology('PriorityQueue', (target) => {
  let Main: NamedConnection;
  let Other: NamedConnection;
  before(() => {
    Main = target().namedConnection();
    Other = target().namedConnection();
  });

  const queueOn = <T>(connection: typeof Connection, ser?: Serializer<unknown>) =>
    modelClass(PriorityQueue<T>, connection, ser, 'Tasks');
  const queueWith = <T>(ser?: Serializer<unknown>) => queueOn<T>(Main, ser);

  it('an empty queue: pop() null, items() [], size() 0, peek() null', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    expect(await q.pop()).to.equal(null);
    expect(await q.popWithPriority()).to.equal(null);
    expect(await q.items()).to.deep.equal([]);
    expect(await q.size()).to.equal(0);
    expect(await q.peek()).to.equal(null);
    expect(await q.priorityOf('x')).to.equal(null);
  });

  it('pops the lowest priority number first, with fractional and negative priorities', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    expect(await q.push('low', 10)).to.equal(true);
    expect(await q.push('urgent', -1.5)).to.equal(true);
    expect(
      await q.pushMany([
        ['mid', 5],
        ['high', 0.25],
      ]),
    ).to.equal(2);
    expect(await q.size()).to.equal(4);
    expect(await q.items()).to.deep.equal(['urgent', 'high', 'mid', 'low']);
    expect(await q.peek()).to.equal('urgent');
    expect(await q.priorityOf('mid')).to.equal(5);
    expect(await q.popWithPriority()).to.deep.equal({ item: 'urgent', priority: -1.5 });
    expect(await q.pop()).to.equal('high');
    expect(await q.popWithPriority({ timeout: 1000 })).to.deep.equal({ item: 'mid', priority: 5 });
    expect(await q.pop({ timeout: 1000 })).to.equal('low');
    expect(await q.pop()).to.equal(null);
  });

  it('an equal item pushed twice is one entry whose priority is updated', async () => {
    const Q = queueWith<unknown>(serializer.JSON);
    const q = new Q(uniq());
    expect(await q.push({ id: 1 }, 5)).to.equal(true);
    expect(await q.push({ id: 2 }, 3)).to.equal(true);
    expect(await q.push({ id: 1 }, 1)).to.equal(false);
    expect(await q.size()).to.equal(2);
    expect(
      await q.pushMany([
        [{ id: 2 }, 0],
        [{ id: 3 }, 9],
      ]),
    ).to.equal(1);
    expect(await q.items()).to.deep.equal([{ id: 2 }, { id: 1 }, { id: 3 }]);
    expect(await q.remove({ id: 1 })).to.equal(true);
    expect(await q.remove({ id: 1 })).to.equal(false);
    expect(await q.items()).to.deep.equal([{ id: 2 }, { id: 3 }]);
  });

  it('stores a sorted set scored by priority, shared with plain clients', async () => {
    const Q = class extends queueWith<unknown>(serializer.JSON) {
      static override PREFIX = 'app:tasks';
    };
    const name = uniq();
    const q = new Q(name);
    await q.push({ n: 1 }, 2);
    expect(q.key).to.equal(`app:tasks:${name}`);
    expect(await target().raw('TYPE', `app:tasks:${name}`)).to.equal('zset');
    expect(Number(await target().raw('ZSCORE', q.key, '{"n":1}'))).to.equal(2);
    await target().raw('ZADD', q.key, '1', '{"a":1}');
    expect(await q.pop()).to.deep.equal({ a: 1 });
    expect(await q.pop()).to.deep.equal({ n: 1 });
  });

  it('refuses priorities that are not finite numbers and values it cannot store', async () => {
    const Q = queueWith<unknown>(serializer.JSON);
    const q = new Q(uniq());
    for (const priority of [NaN, Infinity, -Infinity, '1' as unknown as number]) {
      await rejects(() => q.push('x', priority), ArgumentError, /finite/);
    }
    await rejects(
      () =>
        q.pushMany([
          ['a', 1],
          ['b', NaN],
        ]),
      ArgumentError,
      /finite/,
    );
    await rejects(() => q.pushMany([]), ArgumentError, /at least one/);
    await rejects(() => q.push(null, 1), EncodeError);
    expect(await q.exists()).to.equal(false);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other values through ${name} (pop, items, blocking pop)`, async () => {
      const Q = queueWith<unknown>(ser);
      const q = new Q(uniq());
      await q.pushMany(values.map((v, i) => [v, i] as const));
      expect(await q.items()).to.deep.equal(values);
      expect(await q.peek()).to.deep.equal(values[0]);
      const popped: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        popped.push(i % 2 === 0 ? await q.pop() : await q.pop({ timeout: 1000 }));
      }
      expect(popped).to.deep.equal(values);
      expect(await q.pop()).to.equal(null);
    });
  }

  it('works on a RESP2 connection too (scores as strings)', async () => {
    const Resp2 = target().namedConnection({ protocol: 2 });
    const name = Resp2.clientName;
    const Q = queueOn<string>(Resp2);
    const q = new Q(uniq());
    await q.pushMany([
      ['b', 2.5],
      ['a', -1],
      ['c', 3],
    ]);
    expect(await q.priorityOf('b')).to.equal(2.5);
    const shared = sharedConnections(target());
    await eventually(async () => (await clientsNamed(target(), name)) === shared);
    expect(await protocolsNamed(target(), name)).to.deep.equal(Array(shared).fill(2));
    expect(await q.popWithPriority()).to.deep.equal({ item: 'a', priority: -1 });
    expect(await q.popWithPriority({ timeout: 500 })).to.deep.equal({ item: 'b', priority: 2.5 });
    expect(await q.peek()).to.equal('c');
    const got: string[] = [];
    for await (const item of q.consume({ timeout: 100 })) got.push(item);
    expect(got).to.deep.equal(['c']);
    expect(await q.pop({ timeout: 50 })).to.equal(null);
    // The dedicated connection of the blocking pops spoke RESP2 too.
    const dedicated = (await clientLines(target(), name)).filter((l) => / cmd=bzpopmin /.test(l));
    expect(dedicated).to.have.length.at.least(1);
    expect(dedicated.every((line) => line.includes(' resp=2'))).to.equal(true);
  });

  it('a key of another type is a WrongTypeError', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    await target().raw('LPUSH', q.key, 'x');
    await rejects(() => q.push('a', 1), WrongTypeError);
    await rejects(() => q.pop(), WrongTypeError);
    await rejects(() => q.pop({ timeout: 100 }), WrongTypeError);
    await rejects(() => q.peek(), WrongTypeError);
    await rejects(() => q.size(), WrongTypeError);
  });

  describe('blocking pop', () => {
    it('returns an item pushed later by another connection (BZPOPMIN)', async () => {
      const Q = queueWith<string>();
      const name = uniq();
      const pending = new Q(name).popWithPriority({ timeout: 5000 });
      await eventually(async () => (await blockedNamed(target(), Main.clientName)) === 1);
      await new (queueOn<string>(Other))(name).push('late', 7);
      expect(await pending).to.deep.equal({ item: 'late', priority: 7 });
    });

    it('returns null after its timeout; validates it', async () => {
      const Q = queueWith<string>();
      const q = new Q(uniq());
      const started = Date.now();
      expect(await q.pop({ timeout: 120 })).to.equal(null);
      expect(Date.now() - started).to.be.within(80, 4000);
      await rejects(() => q.pop({ timeout: 2.5 }), ArgumentError, /milliseconds/);
    });

    it('a signal already aborted rejects at once; an abort while blocked rejects and closes', async () => {
      const Conn = target().namedConnection();
      const q = new (queueOn<string>(Conn))(uniq());
      await expectPopAborts(target(), Conn, q);
    });

    it('does not delay the other commands of its Connection', async () => {
      const q = new (queueWith<string>())(uniq());
      await expectPopLeavesConnectionFree(target(), Main, q, (key, item) =>
        target().raw('ZADD', key, '1', item),
      );
    });
  });

  it('consume() yields items as they come, lowest first when several wait; abort ends it', async () => {
    const Conn = target().namedConnection();
    const q = new (queueOn<number>(Conn, serializer.JSON))(uniq());
    await q.pushMany([
      [3, 3],
      [1, 1],
      [2, 2],
    ]);
    const shared = sharedConnections(target());
    const controller = new AbortController();
    const got: number[] = [];
    const consuming = (async () => {
      for await (const item of q.consume({ signal: controller.signal })) got.push(item);
    })();
    await eventually(() => got.length === 3);
    expect(got).to.deep.equal([1, 2, 3]);
    await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 1);
    await new (queueOn<number>(Other, serializer.JSON))(q.key).push(4, 100);
    await eventually(() => got.length === 4);
    expect(got).to.deep.equal([1, 2, 3, 4]);
    controller.abort();
    await consuming;
    await eventually(async () => (await clientsNamed(target(), Conn.clientName)) === shared);
    expect(await blockedNamed(target(), Conn.clientName)).to.equal(0);
  });

  it('20 consumers on several connections get each of 2,000 items exactly once (ZPOPMIN is atomic)', async () => {
    const connections = [Main, Other, target().namedConnection(), target().namedConnection()];
    const name = uniq();
    const on = (connection: typeof Connection) =>
      new (queueOn<number>(connection, serializer.JSON))(name);
    const producer = on(Other);
    await expectEachItemOnce(
      target(),
      Array.from({ length: 20 }, (_, i) => on(connections[i % connections.length])),
      (items) => producer.pushMany(items.map((item, i) => [item, i % 7] as const)),
    );
  });
});
