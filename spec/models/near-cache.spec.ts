import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, Map as RMap, serializer, type Connection } from '../../src/index.js';
import { cluster } from '../support/cluster.js';
import { eventually, rejects, uniq } from '../support/helpers.js';
import { READ_CASES, nearCached, redisCli, type Subject } from '../support/near-cache.js';
import { commandCalls, onEachTopology, type Target } from '../support/targets.js';

/** The commands a cached read may send (INFO commandstats names). */
const READ_COMMANDS = ['get', 'hget', 'hgetall', 'hmget', 'evalsha', 'eval', 'evalsha_ro', 'fcall'];

/** How long another client's write may take to reach the near cache (invalidation push). */
const INVALIDATION_WAIT = 2_000;

/** Reads until `read()` gives `expected`, within the invalidation bound. */
async function seenWithin(subject: Subject, expected: unknown): Promise<void> {
  let last: unknown;
  try {
    await eventually(async () => {
      last = await subject.read();
      return JSON.stringify(last) === JSON.stringify(expected);
    }, INVALIDATION_WAIT);
  } catch {
    expect(last, `still served after ${INVALIDATION_WAIT} ms`).to.deep.equal(expected);
  }
}

/** Two reads: the first a miss, the second a hit, equal values (`expected`). */
async function missThenHit(subject: Subject, expected: unknown): Promise<void> {
  const before = subject.stats();
  expect(await subject.read()).to.deep.equal(expected);
  const afterMiss = subject.stats();
  expect(afterMiss.misses - before.misses, 'first read: a miss').to.equal(1);
  expect(afterMiss.hits - before.hits, 'first read: no hit').to.equal(0);
  expect(await subject.read()).to.deep.equal(expected);
  const afterHit = subject.stats();
  expect(afterHit.hits - afterMiss.hits, 'second read: a hit').to.equal(1);
  expect(afterHit.misses - afterMiss.misses, 'second read: no miss').to.equal(0);
}

/** Whether a value holds no shared mutable state: frozen throughout, or a fresh copy each time. */
function mutate(value: unknown): 'frozen' | 'changed' | 'primitive' {
  if (value === null || typeof value !== 'object') return 'primitive';
  try {
    if (Array.isArray(value)) value.push('intruder');
    else (value as Record<string, unknown>).intruder = 1;
    return 'changed';
  } catch (error) {
    expect(error).to.be.instanceOf(TypeError);
    return 'frozen';
  }
}

/** The port of a node redis-cli can start from, and whether it must follow redirects. */
async function cliNode(target: Target): Promise<{ port: number; cluster: boolean }> {
  if (target.server) return { port: target.server.port, cluster: false };
  return { port: (await cluster())[0].port, cluster: true };
}

onEachTopology('near cache', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  for (const c of READ_CASES) {
    describe(c.name, () => {
      it('first read a miss, second a hit, equal values', async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        expect(subject.stats().size).to.equal(1);
      });

      it("sees this process's writes at once, through this class and another one", async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        await subject.write(2);
        expect(await subject.read()).to.deep.equal(subject.expected(2));
        const other = c.make(Main, subject.name); // another model class, the same Connection
        await subject.read(); // cached again
        await other.write(3);
        expect(await subject.read()).to.deep.equal(subject.expected(3));
      });

      it("sees another client's write after the invalidation: node-redis, then redis-cli", async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        await target().raw(...subject.rawWrite(2));
        await seenWithin(subject, subject.expected(2));
        await subject.read(); // cached again
        const node = await cliNode(target());
        await redisCli(node.port, node.cluster, subject.rawWrite(3));
        await seenWithin(subject, subject.expected(3));
      });

      it('caches the absent value, and drops it when the key is created', async () => {
        const subject = c.make(Main);
        await missThenHit(subject, subject.absent);
        await target().raw(...subject.rawWrite(1));
        await seenWithin(subject, subject.expected(1));
        await target().raw('DEL', subject.key);
        await seenWithin(subject, subject.absent);
        await subject.read();
        await subject.write(2); // read-your-writes on an absent entry too
        expect(await subject.read()).to.deep.equal(subject.expected(2));
      });

      it('hands out values no caller can change for another', async () => {
        const subject = c.make(Main);
        await subject.write(1);
        const first = await subject.read();
        const second = await subject.read(); // a hit
        const outcome = mutate(second);
        if (outcome === 'changed') expect(second, 'a changed value is a copy').to.not.equal(first);
        const nested = (second as { list?: unknown[] } | null)?.list;
        if (Array.isArray(nested) && outcome === 'frozen')
          expect(mutate(nested)).to.equal('frozen');
        expect(await subject.read()).to.deep.equal(subject.expected(1));
      });

      it('pipelines, transactions and fromMaster() go to Redis, not to the near cache', async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        const stats = subject.stats();
        const sum = async () =>
          (await commandCalls(target(), ...READ_COMMANDS)).reduce((a, b) => a + b, 0);
        const calls = await sum();
        expect(await subject.readIn('pipeline')).to.deep.equal(subject.expected(1));
        expect(await subject.readIn('transaction')).to.deep.equal(subject.expected(1));
        expect(await subject.readFromMaster()).to.deep.equal(subject.expected(1));
        expect(await sum(), 'three reads on the server').to.be.at.least(calls + 3);
        const after = subject.stats();
        expect([after.hits, after.misses]).to.deep.equal([stats.hits, stats.misses]);
      });

      it('hits send nothing to Redis', async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        const sum = async () =>
          (await commandCalls(target(), ...READ_COMMANDS)).reduce((a, b) => a + b, 0);
        const calls = await sum();
        for (let i = 0; i < 20; i++)
          expect(await subject.read()).to.deep.equal(subject.expected(1));
        // The sum itself is read with INFO, not counted; nothing else reads these keys now.
        expect(await sum(), 'no read reached a server').to.equal(calls);
      });

      it('clearNearCache() empties the class: size 0, the next read a miss', async () => {
        const subject = c.make(Main);
        await subject.write(1);
        await missThenHit(subject, subject.expected(1));
        subject.clear();
        expect(subject.stats().size).to.equal(0);
        const misses = subject.stats().misses;
        expect(await subject.read()).to.deep.equal(subject.expected(1));
        expect(subject.stats().misses).to.equal(misses + 1);
      });
    });
  }

  it('Map values are deeply frozen: a mutation throws in strict mode', async () => {
    const subject = READ_CASES[0].make(Main);
    await subject.write(1);
    for (const value of [await subject.read(), await subject.read()]) {
      const v = value as { n: number; list: [number, { deep: number }] };
      expect(() => (v.n = 2)).to.throw(TypeError);
      expect(() => v.list.push(3)).to.throw(TypeError);
      expect(() => (v.list[1].deep = 2)).to.throw(TypeError);
    }
    expect(await subject.read()).to.deep.equal(subject.expected(1));
  });

  it('a HashMap write to one field drops every cached read of that key', async () => {
    const key = uniq('hash');
    const field = READ_CASES.find((r) => r.name === 'HashMap.get')!.make(Main, key);
    const all = READ_CASES.find((r) => r.name === 'HashMap.getAll')!.make(Main, key);
    await field.write(1);
    await missThenHit(field, field.expected(1));
    await missThenHit(all, all.expected(1));
    await target().raw('HSET', key, 'other', '"x"');
    await seenWithin(all, { ...(all.expected(1) as object), other: 'x' });
    const misses = field.stats().misses;
    expect(await field.read()).to.deep.equal(field.expected(1));
    expect(field.stats().misses, 'the field was dropped with its key').to.equal(misses + 1);
  });

  it('max bounds size; evictions are counted; values stay right', async () => {
    const max = 5;
    const Hits = nearCached(RMap<string>, Main, { max }, undefined, 'Bounded');
    const keys = Array.from({ length: 20 }, () => uniq('bounded'));
    await Promise.all(keys.map((key, i) => target().raw('SET', key, String(i))));
    for (const [i, key] of keys.entries()) expect(await new Hits(key).get()).to.equal(String(i));
    const stats = Hits.nearCacheStats();
    expect(stats.size).to.be.at.most(max);
    expect(stats.evictions).to.be.at.least(keys.length - max);
    for (const [i, key] of keys.entries()) expect(await new Hits(key).get()).to.equal(String(i));
    expect(Hits.nearCacheStats().size).to.be.at.most(max);
  });

  it('eviction keeps what was read lately: the entry read since goes last', async () => {
    const max = 5;
    const Hits = nearCached(RMap<string>, Main, { max }, undefined, 'Recent');
    const keys = Array.from({ length: max + 3 }, () => uniq('recent'));
    await Promise.all(keys.map((key, i) => target().raw('SET', key, String(i))));
    for (const key of keys.slice(0, max)) await new Hits(key).get(); // full: 5 entries
    await new Hits(keys[0]).get(); // the oldest entry, read again: a hit
    for (const key of keys.slice(max)) await new Hits(key).get(); // 3 more: 3 evicted
    const { hits, misses, evictions, size } = Hits.nearCacheStats();
    expect([hits, misses, evictions, size]).to.deep.equal([1, max + 3, 3, max]);
    expect(await new Hits(keys[0]).get()).to.equal('0');
    expect(Hits.nearCacheStats().hits, 'the entry read lately is still there').to.equal(2);
    expect(await new Hits(keys[1]).get()).to.equal('1');
    expect(Hits.nearCacheStats().misses, 'the oldest unread one went first').to.equal(max + 4);
  });

  it('ttl expires entries: a read after it is a miss', async () => {
    const subject = READ_CASES[1].make(Main, uniq(), { ttl: 150 });
    await subject.write(1);
    await missThenHit(subject, 1);
    await sleep(300);
    const misses = subject.stats().misses;
    expect(await subject.read()).to.equal(1);
    expect(subject.stats().misses, 'expired: a miss').to.equal(misses + 1);
  });

  it('a RESP2 connection: ConfigError naming the model on the first cached read', async () => {
    const Resp2 = target().connection({ protocol: 2 });
    const Profiles = nearCached(RMap<string>, Resp2, {}, undefined, 'LegacyProfiles');
    await rejects(() => new Profiles(uniq()).get(), ConfigError, /LegacyProfiles/);
    const plain = new (nearCached(RMap<string>, Resp2, {}, serializer.String, 'Other'))(uniq());
    await rejects(() => plain.get(), ConfigError, /Other/);
  });
});
