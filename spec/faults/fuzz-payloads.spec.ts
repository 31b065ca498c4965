import { expect } from 'chai';
import fc from 'fast-check';
import {
  Cache,
  DecodeError,
  EncodeError,
  HashMap,
  Map as RMap,
  PipelineError,
  Pool,
  PriorityQueue,
  Queue,
  SortedSet,
  field,
  serializable,
  serializer,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import { connectionTo, inspector, modelClass, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { fuzz } from './fuzz-support.js';

/**
 * Fuzzing what the models read back: payloads written by someone else (another program, a
 * bug, `redis-cli`) — random bytes, broken JSON, JSON with forged `$t` tags, number-like text —
 * are stored raw in every structure, then read through every model and every serializer, over
 * RESP3 and RESP2. Each read gives the value the serializer makes of the payload, or a
 * `DecodeError` naming the model and key: never another error, never a polluted prototype. A
 * read leaves the payload in place; a pop takes it off, and its DecodeError keeps it (`raw`). And
 * values the serializers
 * accept round-trip exactly, while values they refuse are an `EncodeError` with nothing written.
 */

@serializable('fuzz.Point')
class Point {
  @field() x: unknown = 0;
  @field() label: unknown = '';
}

const SERIALIZERS: Array<[string, Serializer<unknown> | undefined]> = [
  ['none', undefined],
  ['JSON', serializer.JSON],
  ['String', serializer.String],
  ['Numeric', serializer.Numeric],
  ['Typed', serializer.Typed],
];

/** JSON text carrying `$t` tags, right and wrong, at any depth. */
const taggedJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.record({
      $t: fc.constantFrom(
        'Date',
        'Map',
        'Set',
        'BigInt',
        'Number',
        'Object',
        'undefined',
        'fuzz.Point',
        'nope',
        7,
        null,
      ),
      v: tie('value'),
    }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'x', 'label', '$t'),
      tie('value'),
      {
        maxKeys: 3,
      },
    ),
  ),
})).value;

/** A stored payload, as bytes: anything another writer could have left. */
const payload: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 32 }).map((s) => Buffer.from(s)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
  taggedJson.map((v) => Buffer.from(JSON.stringify(v))),
  fc.tuple(taggedJson, fc.nat(40)).map(([v, cut]) => Buffer.from(JSON.stringify(v).slice(0, cut))),
  fc
    .oneof(
      fc.integer().map(String),
      fc.double().map(String),
      fc.bigInt().map(String),
      fc.constantFrom('', ' 1', '1 ', '0x10', '1e3', '-0', '+5', '9007199254740993', '١٢'),
    )
    .map((s) => Buffer.from(s)),
  fc.constantFrom(
    Buffer.from('{"$t":"Map","v":[[1]]}'),
    Buffer.from('{"__proto__":{"polluted":1}}'),
    Buffer.from('{"$t":"fuzz.Point","v":{"__proto__":{"polluted":1},"x":1}}'),
  ),
);

/** What the serializer makes of a payload as a reply brings it (text), or the error it throws. */
function direct(ser: Serializer<unknown>, text: string): { value?: unknown; error?: unknown } {
  try {
    return { value: ser.decode(text) };
  } catch (error) {
    return { error };
  }
}

/** Awaits a read: its value, or a DecodeError naming `model` and `key` (anything else fails). */
async function read(
  what: string,
  operation: Promise<unknown> | (() => Promise<unknown>),
  model: { modelName: string; key: string },
): Promise<{ value?: unknown; error?: DecodeError }> {
  try {
    return { value: await (typeof operation === 'function' ? operation() : operation) };
  } catch (error) {
    expect(error, `${what}: ${String(error)}`).to.be.instanceOf(DecodeError);
    const decodeError = error as DecodeError;
    expect(decodeError.model, what).to.equal(model.modelName);
    expect(decodeError.key, what).to.equal(model.key);
    expect(decodeError.message).to.include(model.modelName).and.include(model.key);
    return { error: decodeError };
  }
}

/** Collects an async generator (a scan). */
async function collect<T>(generator: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of generator) items.push(item);
  return items;
}

describe('fuzz: stored payloads read through every model and serializer', function () {
  this.timeout(60_000);
  let server: RedisServer;
  let connections: Record<2 | 3, typeof Connection>;

  before(async () => {
    server = await standalone();
    connections = {
      3: connectionTo(server),
      2: connectionTo(server, { options: { client: { RESP: 2 } } }),
    };
  });

  afterEach(() => {
    expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').to.equal(
      undefined,
    );
  });

  for (const [name, ser] of SERIALIZERS) {
    it(`${name}: each read is the serializer's value or a DecodeError, and leaves the payload`, async () => {
      const decoder = ser ?? serializer.Raw;
      await fc.assert(
        fc.asyncProperty(payload, fc.constantFrom<2 | 3>(2, 3), async (bytes, resp) => {
          const Main = connections[resp];
          const client = await inspector(server);
          const base = uniq(`payload-${name}`);
          const keys = {
            map: `${base}:map`,
            hash: `${base}:hash`,
            pool: `${base}:pool`,
            zset: `${base}:zset`,
            list: `${base}:list`,
            pq: `${base}:pq`,
            cache: `${base}:cache:e`,
          };
          await Promise.all([
            client.sendCommand(['SET', keys.map, bytes]),
            client.sendCommand(['HSET', keys.hash, 'f', bytes]),
            client.sendCommand(['SADD', keys.pool, bytes]),
            client.sendCommand(['ZADD', keys.zset, '1.5', bytes]),
            client.sendCommand(['RPUSH', keys.list, bytes]),
            client.sendCommand(['ZADD', keys.pq, '2', bytes]),
            client.sendCommand(['SET', keys.cache, bytes]),
          ]);
          const map = new (modelClass(RMap<unknown>, Main, ser, 'Stored'))(keys.map);
          const hash = new (modelClass(HashMap<unknown>, Main, ser, 'Fields'))(keys.hash);
          const pool = new (modelClass(Pool<unknown>, Main, ser, 'Bag'))(keys.pool);
          const zset = new (modelClass(SortedSet<unknown>, Main, ser, 'Board'))(keys.zset);
          const queue = new (modelClass(Queue<unknown>, Main, ser, 'Jobs'))(keys.list);
          const pq = new (modelClass(PriorityQueue<unknown>, Main, ser, 'Tasks'))(keys.pq);
          const Entries = class Entries extends Cache<unknown> {
            static override CONNECTION = Main;
            static override SERIALIZER = ser;
          };
          const cache = new Entries(`${base}:cache`);
          const entry = { modelName: 'Entries', key: keys.cache };

          const expected = direct(decoder, bytes.toString('utf8'));
          const one = (r: { value?: unknown; error?: DecodeError }, what: string) => {
            if (expected.error === undefined) {
              expect(r.error, `${what} failed: ${String(r.error)}`).to.equal(undefined);
            } else {
              expect(r.error, `${what} read ${String(r.value)}`).to.be.instanceOf(DecodeError);
            }
            return r.value;
          };
          const value = expected.value;
          const failed = expected.error !== undefined;
          /** What a read of the payload wrapped in `shape` gives (unused when it fails). */
          const as = (shape: unknown) => (failed ? undefined : shape);
          const reads = await Promise.all([
            read('Map.get', map.get(), map),
            read('HashMap.get', hash.get('f'), hash),
            read('HashMap.getAll', hash.getAll(), hash),
            read('HashMap.values', hash.values(), hash),
            read('HashMap.getMany', hash.getMany(['f', 'g']), hash),
            read('HashMap.scan', () => collect(hash.scan()), hash),
            read('Pool.members', pool.members(), pool),
            read('Pool.peek', pool.peek(), pool),
            read('Pool.scan', () => collect(pool.scan()), pool),
            read('SortedSet.members', zset.members({ withScores: true }), zset),
            read('SortedSet.top', zset.top(1), zset),
            read('SortedSet.membersByScore', zset.membersByScore(0, 2, { withScores: true }), zset),
            read('SortedSet.scan', () => collect(zset.scan()), zset),
            read('Queue.peek', queue.peek(), queue),
            read('Queue.items', queue.items(), queue),
            read('PriorityQueue.peek', pq.peek(), pq),
            read('PriorityQueue.items', pq.items(), pq),
            read('Cache.get', cache.get('e'), entry),
            read(
              'Cache.getOrSet',
              cache.getOrSet('e', () => expect.fail('computed over a stored value')),
              entry,
            ),
          ]);
          const [got, field, all, values, many, hscan, members, peek, sscan] = reads;
          const [zmembers, top, byScore, zscan, qpeek, items, pqPeek, pqItems, cached, kept] =
            reads.slice(9);
          expect(one(got, 'Map.get')).to.deep.equal(value);
          expect(one(field, 'HashMap.get')).to.deep.equal(value);
          expect(one(all, 'HashMap.getAll')).to.deep.equal(as({ f: value }));
          expect(one(values, 'HashMap.values')).to.deep.equal(as([value]));
          expect(one(many, 'HashMap.getMany')).to.deep.equal(as([value, null]));
          expect(one(hscan, 'HashMap.scan')).to.deep.equal(as([['f', value]]));
          expect(one(members, 'Pool.members')).to.deep.equal(as([value]));
          expect(one(peek, 'Pool.peek')).to.deep.equal(value);
          expect(one(sscan, 'Pool.scan')).to.deep.equal(as([value]));
          const pair = as([[value, 1.5]]);
          expect(one(zmembers, 'SortedSet.members')).to.deep.equal(pair);
          expect(one(top, 'SortedSet.top')).to.deep.equal(as([value]));
          expect(one(byScore, 'SortedSet.membersByScore')).to.deep.equal(pair);
          expect(one(zscan, 'SortedSet.scan')).to.deep.equal(pair);
          expect(one(qpeek, 'Queue.peek')).to.deep.equal(value);
          expect(one(items, 'Queue.items')).to.deep.equal(as([value]));
          expect(one(pqPeek, 'PriorityQueue.peek')).to.deep.equal(value);
          expect(one(pqItems, 'PriorityQueue.items')).to.deep.equal(as([value]));
          expect(one(cached, 'Cache.get')).to.deep.equal(value);
          expect(one(kept, 'Cache.getOrSet')).to.deep.equal(value);

          // In a pipeline: the same, as a PipelineError whose failures are DecodeErrors.
          let batch: unknown[] | undefined;
          try {
            batch = await Main.pipeline((p) => [
              map.in(p).get(),
              pool.in(p).size(),
              zset.in(p).top(1),
            ]);
          } catch (error) {
            expect(error).to.be.instanceOf(PipelineError);
            const failures = (error as PipelineError).failures;
            expect(failures.map((f) => f.index)).to.deep.equal([0, 2]);
            for (const f of failures) expect(f.error).to.be.instanceOf(DecodeError);
            expect((error as PipelineError).results[1]).to.equal(1);
          }
          if (batch) expect(batch).to.deep.equal([value, 1, [value]]);

          // Reads left every payload in place, byte for byte.
          const left = await Promise.all([
            client.sendCommand(['GET', keys.map], { typeMapping: { 36: Buffer } }),
            client.sendCommand(['HGET', keys.hash, 'f'], { typeMapping: { 36: Buffer } }),
            client.sendCommand(['SISMEMBER', keys.pool, bytes]),
            client.sendCommand(['ZSCORE', keys.zset, bytes]),
            client.sendCommand(['LINDEX', keys.list, '0'], { typeMapping: { 36: Buffer } }),
            client.sendCommand(['GET', keys.cache], { typeMapping: { 36: Buffer } }),
          ]);
          expect(left[0]).to.deep.equal(bytes);
          expect(left[1]).to.deep.equal(bytes);
          expect(left[2]).to.equal(1);
          expect(Number(left[3])).to.equal(1.5);
          expect(left[4]).to.deep.equal(bytes);
          expect(left[5]).to.deep.equal(bytes);

          // Pops take the payload off, and give its value or a DecodeError.
          const popped = await Promise.all([
            read('Pool.pop', pool.pop(), pool),
            read('SortedSet.popMax', zset.popMax(), zset),
            read('Queue.pop', queue.pop(), queue),
            read('PriorityQueue.pop', pq.pop(), pq),
          ]);
          expect(one(popped[0], 'Pool.pop')).to.deep.equal(value);
          expect(one(popped[1], 'SortedSet.popMax')).to.deep.equal(as([value, 1.5]));
          expect(one(popped[2], 'Queue.pop')).to.deep.equal(value);
          expect(one(popped[3], 'PriorityQueue.pop')).to.deep.equal(value);
          // A value a pop took off is not lost with its DecodeError: `raw` holds it as the
          // reply brought it.
          for (const { error } of popped) {
            if (error) expect(String(error.raw)).to.equal(bytes.toString('utf8'));
          }
          await client.sendCommand(['DEL', ...Object.values(keys)]);
        }),
        fuzz(300),
      );
    });
  }
});

describe('payloads nested 100,000 deep', function () {
  this.timeout(30_000);

  it('are a value or a DecodeError for every serializer, never a crash', async () => {
    const server = await standalone();
    const Main = connectionTo(server);
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const [name, ser] of SERIALIZERS) {
      const key = uniq(`deep-${name}`);
      await (await inspector(server)).sendCommand(['SET', key, deep]);
      const model = new (modelClass(RMap<unknown>, Main, ser, 'Deep'))(key);
      const result = await read(`${name} Map.get`, model.get(), model);
      expect(result.error !== undefined || result.value !== undefined, name).to.equal(true);
    }
  });
});

describe('fuzz: values each serializer accepts round-trip; others are refused', function () {
  this.timeout(60_000);
  let Main: typeof Connection;

  before(async () => {
    Main = connectionTo(await standalone());
  });

  const key = fc
    .string({ maxLength: 6 })
    .filter((k) => !['__proto__', 'constructor', 'prototype', '$t'].includes(k));
  const typedValue = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.bigInt(),
      ),
      fc.date({ noInvalidDate: true }),
      fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 3 }),
      fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
      fc
        .array(fc.tuple(tie('value'), tie('value')), { maxLength: 2 })
        .map((e) => new globalThis.Map(e)),
      fc.array(tie('value'), { maxLength: 3 }).map((e) => new Set(e)),
      fc.record({ x: tie('value'), label: fc.string() }).map((r) => Object.assign(new Point(), r)),
    ),
  })).value;
  const domains: Array<
    [string, Serializer<unknown> | undefined, fc.Arbitrary<unknown>, (v: unknown) => unknown]
  > = [
    ['none', undefined, fc.string({ unit: 'binary' }), (v) => v],
    // null means "absent": it is refused at the top (and kept inside a value).
    [
      'JSON',
      serializer.JSON,
      fc.jsonValue().filter((v) => v !== null),
      (v) => JSON.parse(JSON.stringify(v)),
    ],
    [
      'String',
      serializer.String,
      fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.boolean(), fc.bigInt()),
      (v) => String(v),
    ],
    ['Numeric', serializer.Numeric, fc.maxSafeInteger(), (v) => (v === 0 ? 0 : v)],
    ['Typed', serializer.Typed, typedValue.filter((v) => v !== null), (v) => v],
  ];

  for (const [name, ser, valid, expected] of domains) {
    it(`${name}: accepted values come back equal; refused ones are an EncodeError`, async () => {
      const Stored = modelClass(RMap<unknown>, Main, ser, 'Stored');
      const outside = fc.oneof(
        fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true }),
        fc.constantFrom(NaN, Infinity, 1.5, 2 ** 53, Symbol('s'), () => 1, new Date(NaN), '\uD800'),
      );
      const input = fc.oneof(
        valid.map((v) => ({ v, inDomain: true })),
        outside.map((v) => ({ v, inDomain: false })),
      );
      await fc.assert(
        fc.asyncProperty(input, async ({ v, inDomain }) => {
          const model = new Stored(uniq());
          let refused = v === null || v === undefined;
          try {
            (ser ?? serializer.Raw).encode(v);
          } catch {
            refused = true;
          }
          if (refused) {
            expect(inDomain, `refused ${fc.stringify(v)}`).to.equal(false);
            expect(() => model.set(v)).to.throw(EncodeError);
            expect(await model.exists()).to.equal(false);
            return;
          }
          await model.set(v);
          const back = await model.get();
          // Outside the domain, a value the serializer takes comes back as it makes it.
          if (inDomain) expect(back).to.deep.equal(expected(v));
        }),
        fuzz(200),
      );
    });
  }
});
