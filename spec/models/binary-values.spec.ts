import { expect } from 'chai';
import {
  Cache,
  Counter,
  HashMap,
  Map as RMap,
  Pool,
  PriorityQueue,
  Queue,
  ReliableQueue,
  SortedSet,
  Stack,
  serializer,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import { modelClass, uniq } from '../support/helpers.js';
import { runPython } from '../support/python.js';
import { onEachTopology } from '../support/targets.js';
import { cluster } from '../support/cluster.js';

/**
 * Values of a binary serializer (Pickle) through every model that stores values: their pickles
 * are bytes that UTF-8 text would change, so each read must hand the serializer the bytes.
 */

/** Distinct values whose pickles are not UTF-8 (checked below). */
const values = (): unknown[] => [
  { a: [1, 2.5, 'ü'], b: new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 123)) },
  Buffer.from([0xff, 0x00, 0x80, 0xfe]),
  2n ** 70n + 1n,
];
const [OBJECT, BYTES, BIG] = values();

/** A text serializer that refuses Buffers: what a non-binary serializer must still be given. */
const TextOnly: Serializer<string> = {
  name: 'TextOnly',
  encode: (value) => value,
  decode(raw) {
    if (typeof raw !== 'string') throw new Error('a non-binary serializer was given a Buffer');
    return raw;
  },
};

/** Whether UTF-8 text would change these bytes (what a text reply would lose). */
const changedByText = (bytes: Buffer): boolean =>
  !Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);

/** Sorts decoded values by their pickle, for set-like replies (no order). */
const byPickle = (items: unknown[]): unknown[] =>
  [...items].sort((a, b) =>
    Buffer.compare(serializer.Pickle.encode(a) as Buffer, serializer.Pickle.encode(b) as Buffer),
  );

describe('binary values: the pickles of the spec values', () => {
  it('are bytes that UTF-8 text would change', () => {
    for (const value of values()) {
      expect(changedByText(serializer.Pickle.encode(value) as Buffer), String(value)).to.equal(
        true,
      );
    }
  });
});

for (const protocol of [3, 2] as const) {
  onEachTopology(`binary values (Pickle, RESP${protocol})`, (target) => {
    let Main: typeof Connection;
    const P = serializer.Pickle;
    before(() => {
      Main = target().connection({ protocol });
    });

    it('Map: set then get, in a pipeline and a transaction with text commands', async () => {
      const Prefs = modelClass(RMap<unknown>, Main, P, 'Prefs');
      const Plain = modelClass(RMap<string>, Main, TextOnly, 'Plain');
      const Hits = modelClass(Counter, Main, undefined, 'Hits');
      const Carts = modelClass(HashMap<string>, Main, TextOnly, 'Carts');
      const prefs = new Prefs(uniq('{bin}m'));
      const plain = new Plain(uniq('{bin}p'));
      const hits = new Hits(uniq('{bin}h'));
      const carts = new Carts(uniq('{bin}c'));
      await prefs.set(OBJECT);
      expect(await prefs.get()).to.deep.equal(OBJECT);
      await plain.set('é text');
      await carts.set('ü', '{"n":1}');
      for (const run of ['pipeline', 'transaction'] as const) {
        const [n, value, text, fields, all, set] = await Main[run]((b) => [
          hits.in(b).incr(),
          prefs.in(b).get(),
          plain.in(b).get(),
          carts.in(b).fields(),
          carts.in(b).getAll(),
          prefs.in(b).set(BYTES),
        ]);
        expect(n).to.be.a('number');
        expect(value).to.deep.equal(OBJECT, run);
        expect(text).to.equal('é text', run);
        expect(fields).to.deep.equal(['ü'], run);
        expect(all).to.deep.equal({ ü: '{"n":1}' }, run);
        expect(set).to.equal(true);
        expect(await prefs.get()).to.deep.equal(BYTES);
        await prefs.set(OBJECT);
      }
      // The transaction with the binary command, then one with only text commands.
      const [again] = await Main.transaction((t) => [plain.in(t).get()]);
      expect(again).to.equal('é text');
    });

    it('HashMap: get, getMany, getAll, values, scan; and in a transaction', async () => {
      const Bins = modelClass(HashMap<unknown>, Main, P, 'Bins');
      const hash = new Bins(uniq('bins'));
      await hash.setMany([
        ['o', OBJECT],
        ['b', BYTES],
        ['n', BIG],
        ['__proto__', BYTES],
      ]);
      expect(await hash.get('o')).to.deep.equal(OBJECT);
      expect(await hash.getMany(['n', 'x', 'b'])).to.deep.equal([BIG, null, BYTES]);
      const all = await hash.getAll();
      expect(Object.keys(all).sort()).to.deep.equal(['__proto__', 'b', 'n', 'o']);
      expect(all.o).to.deep.equal(OBJECT);
      expect(byPickle(await hash.values())).to.deep.equal(byPickle([OBJECT, BYTES, BIG, BYTES]));
      const scanned = new globalThis.Map<string, unknown>();
      for await (const [field, value] of hash.scan({ count: 2 })) scanned.set(field, value);
      expect(scanned.get('n')).to.equal(BIG);
      expect(scanned.get('__proto__')).to.deep.equal(BYTES);
      expect((await hash.fields()).sort()).to.deep.equal(['__proto__', 'b', 'n', 'o']);
      const [inTx] = await Main.transaction((t) => [hash.in(t).getAll()]);
      expect((inTx as Record<string, unknown>).n).to.equal(BIG);
    });

    it('Pool: members, pop, scan', async () => {
      const Bag = modelClass(Pool<unknown>, Main, P, 'Bag');
      const pool = new Bag(uniq('bag'));
      await pool.push(OBJECT, BYTES, BIG);
      expect(byPickle(await pool.members())).to.deep.equal(byPickle(values()));
      const scanned: unknown[] = [];
      for await (const item of pool.scan()) scanned.push(item);
      expect(byPickle(scanned)).to.deep.equal(byPickle(values()));
      const popped = [await pool.pop(), ...(await pool.popMany(2))];
      expect(byPickle(popped)).to.deep.equal(byPickle(values()));
    });

    it('SortedSet: members with scores, top, popMin, scan; and in a pipeline', async () => {
      const Ranks = modelClass(SortedSet<unknown>, Main, P, 'Ranks');
      const set = new Ranks(uniq('ranks'));
      await set.addMany([
        [OBJECT, 1.5],
        [BYTES, 2],
        [BIG, 3],
      ]);
      expect(await set.members()).to.deep.equal(values().reverse());
      expect(await set.members({ withScores: true })).to.deep.equal([
        [BIG, 3],
        [BYTES, 2],
        [OBJECT, 1.5],
      ]);
      expect(await set.membersByScore(2, 3)).to.deep.equal([BYTES, BIG]);
      expect(await set.top(1)).to.deep.equal([BIG]);
      const scanned: unknown[] = [];
      for await (const entry of set.scan()) scanned.push(entry);
      expect(scanned).to.have.length(3);
      const [score, members] = await Main.pipeline((p) => [
        set.in(p).score(BYTES),
        set.in(p).members({ withScores: true }),
      ]);
      expect(score).to.equal(2);
      expect((members as unknown[])[1]).to.deep.equal([BYTES, 2]);
      expect(await set.popMin()).to.deep.equal([OBJECT, 1.5]);
      expect(await set.popMax()).to.deep.equal([BIG, 3]);
    });

    for (const Model of [Queue, Stack]) {
      it(`${Model.name}: pop, popMany, peek, items, blocking pops`, async () => {
        const Jobs = modelClass(Model<unknown>, Main, P, 'Jobs');
        const list = new Jobs(uniq('jobs'));
        await list.push(OBJECT, BYTES, BIG);
        const order = Model === Queue ? values() : values().reverse();
        expect(await list.items()).to.deep.equal(order);
        expect(await list.peek()).to.deep.equal(order[0]);
        expect(await list.pop()).to.deep.equal(order[0]);
        expect(await list.pop({ timeout: 1000 })).to.deep.equal(order[1]);
        expect(await list.popMany(2, { timeout: 1000 })).to.deep.equal([order[2]]);
        await list.push(BIG, BYTES);
        expect(byPickle(await list.popMany(5))).to.deep.equal(byPickle([BIG, BYTES]));
        await list.push(OBJECT);
        for await (const item of list.consume({ timeout: 200 })) {
          expect(item).to.deep.equal(OBJECT);
        }
      });
    }

    it('PriorityQueue: pop, popWithPriority, peek, items, blocking pops', async () => {
      const Tasks = modelClass(PriorityQueue<unknown>, Main, P, 'Tasks');
      const queue = new Tasks(uniq('tasks'));
      await queue.pushMany([
        [OBJECT, 1],
        [BYTES, 2.5],
        [BIG, 3],
      ]);
      expect(await queue.items()).to.deep.equal(values());
      expect(await queue.peek()).to.deep.equal(OBJECT);
      expect(await queue.pop()).to.deep.equal(OBJECT);
      expect(await queue.popWithPriority()).to.deep.equal({ item: BYTES, priority: 2.5 });
      expect(await queue.popWithPriority({ timeout: 1000 })).to.deep.equal({
        item: BIG,
        priority: 3,
      });
      await queue.push(OBJECT, 4);
      expect(await queue.pop({ timeout: 1000 })).to.deep.equal(OBJECT);
    });

    it('Cache: set, get, getOrSet (hit and computed), and in a transaction', async () => {
      class Blobs extends Cache<unknown> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.Pickle;
      }
      const cache = new Blobs(uniq('blobs'));
      await cache.set('a', OBJECT);
      expect(await cache.get('a')).to.deep.equal(OBJECT);
      expect(await cache.getOrSet('a', () => BIG)).to.deep.equal(OBJECT);
      expect(await cache.getOrSet('b', () => BYTES)).to.deep.equal(BYTES);
      expect(await cache.get('b')).to.deep.equal(BYTES);
      const [got] = await Main.transaction((t) => [cache.in(t).get('b')]);
      expect(got).to.deep.equal(BYTES);
    });

    it('ReliableQueue: pop, consume and the dead letters keep the bytes', async () => {
      class Mails extends ReliableQueue<unknown> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.Pickle;
      }
      const queue = new Mails(uniq('mails'));
      await queue.pushMany([OBJECT, BYTES, BIG]);
      const first = await queue.pop();
      expect(first?.value).to.deep.equal(OBJECT);
      await queue.ack(first!);
      const second = await queue.pop({ timeout: 1000 });
      expect(second?.value).to.deep.equal(BYTES);
      await queue.nack(second!, { retry: false, error: 'ü' });
      for await (const delivery of queue.consume({ timeout: 200 })) {
        expect(delivery.value).to.equal(BIG);
        await queue.ack(delivery);
      }
      // Two pops in one tick: their script calls are not merged (a runner reads text).
      await queue.pushMany([OBJECT, BIG]);
      const both = await Promise.all([queue.pop(), queue.pop()]);
      expect(byPickle(both.map((d) => d?.value))).to.deep.equal(byPickle([OBJECT, BIG]));
      const [dead] = await queue.deadLetters.items();
      expect(dead.value).to.deep.equal(BYTES);
      expect(dead.raw).to.deep.equal(serializer.Pickle.encode(BYTES));
      expect(dead.error).to.equal('ü');
    });
  });
}

onEachTopology('binary values: Python writes, the model reads', (target) => {
  it('get() reads a protocol 5 pickle that redis-py stored', async () => {
    const Main = target().connection();
    const Prefs = modelClass(RMap<unknown>, Main, serializer.Pickle, 'Prefs');
    const prefs = new Prefs(uniq('py'));
    const node = target().server ?? (await cluster())[0];
    const client =
      target().kind === 'cluster'
        ? `redis.cluster.RedisCluster(host='${node.host}', port=${node.port})`
        : `redis.Redis(host='${node.host}', port=${node.port})`;
    const { stdout } = await runPython(
      [
        'import datetime, pickle, sys, redis, redis.cluster',
        `r = ${client}`,
        `v = {'a': [1, 2.5, 'ü'], 'b': b'\\xff\\x00', 'n': 2**70,`,
        `     'at': datetime.datetime(2024, 2, 29, tzinfo=datetime.timezone.utc)}`,
        'data = pickle.dumps(v, 5)',
        'r.set(sys.argv[1], data)',
        'try:',
        "    data.decode('utf-8')",
        "    print('text')",
        'except UnicodeDecodeError:',
        "    print('binary')",
      ].join('\n'),
      { redis: true, args: [prefs.key] },
    );
    expect(stdout.toString('utf8').trim()).to.equal('binary');
    expect(await prefs.get()).to.deep.equal({
      a: [1, 2.5, 'ü'],
      b: Buffer.from([0xff, 0]),
      n: 2n ** 70n,
      at: new Date('2024-02-29T00:00:00Z'),
    });
  });
});
