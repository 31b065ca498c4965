import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { slotOf } from '../../src/core/slot.js';
import { sideKey } from '../../src/core/keys.js';
import { Namespace } from '../../src/models/namespace.js';
import {
  ArgumentError,
  Cache,
  ConfigError,
  EncodeError,
  KeyError,
  Model,
  serializer,
  WrongTypeError,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import { connectionTo, raw, rejects, serializerCases, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import {
  commandCalls,
  onEachTopology,
  protocolsNamed,
  sharedConnections,
  type Target,
} from '../support/targets.js';

const markerOf = (entryKey: string): string => sideKey(entryKey, 'computing');

/** The sum of the per-master counts {@link commandCalls} gives: calls on the whole topology. */
async function totalCalls(target: Target, ...commands: string[]): Promise<number> {
  return (await commandCalls(target, ...commands)).reduce((sum, n) => sum + n, 0);
}

/** The keys matching a glob on each master, in `rawAll` order (KEYS: the test's own eye). */
async function keysPerMaster(target: Target, match: string): Promise<string[][]> {
  return (await target.rawAll('KEYS', match)) as string[][];
}

/** How many keys matching a glob each master holds, in `rawAll` order. */
async function countPerMaster(target: Target, match: string): Promise<number[]> {
  return (await keysPerMaster(target, match)).map((keys) => keys.length);
}

/**
 * A multi-key raw command (`MSET`, `EXISTS`...) over `keys`, each followed by `extra(key)`:
 * one command on a standalone server, one per slot on the cluster (which refuses CROSSSLOT).
 * The replies, one per command sent.
 */
function rawMulti(
  target: Target,
  command: string,
  keys: string[],
  extra: (key: string) => string[] = () => [],
): Promise<unknown[]> {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = target.kind === 'standalone' ? 0 : slotOf(key);
    groups.set(slot, [...(groups.get(slot) ?? []), key]);
  }
  return Promise.all(
    [...groups.values()].map((group) =>
      target.raw(command, ...group.flatMap((key) => [key, ...extra(key)])),
    ),
  );
}

onEachTopology('Cache', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });
  // Every test starts on an empty script cache (as after a restart or a failover).
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  interface CacheConfig {
    ser?: Serializer<unknown>;
    conn?: typeof Connection;
    /** The class PREFIX: default 'app'; null for none. */
    prefix?: string | null;
    /** The class KEY: default a unique name; null for none. */
    key?: string | null;
    ttl?: number;
  }
  /** A Cache subclass named `Cache` (errors name it), configured by static fields. */
  function cacheOf<T>(config: CacheConfig = {}) {
    const key = config.key === null ? undefined : (config.key ?? uniq('users'));
    const prefix = config.prefix === null ? undefined : (config.prefix ?? 'app');
    const Configured = class extends Cache<T> {
      static override CONNECTION = config.conn ?? Main;
      static override SERIALIZER = config.ser;
      static override PREFIX = prefix;
      static override KEY = key;
      static override TTL = config.ttl;
    };
    Object.defineProperty(Configured, 'name', { value: 'Cache' });
    return Configured;
  }

  /**
   * A database a spec may empty: on a standalone target, a server of its own (never REDIS_URL's);
   * on the cluster, the cluster this run spawned. `rawAll` sends to every master.
   */
  async function ownDatabase(): Promise<{
    connection: typeof Connection;
    raw: (...args: string[]) => Promise<unknown>;
    rawAll: (...args: string[]) => Promise<unknown[]>;
  }> {
    if (target().kind === 'cluster') {
      return { connection: target().connection(), raw: target().raw, rawAll: target().rawAll };
    }
    const server = await spawnServer();
    return {
      connection: connectionTo(server),
      raw: (...args) => raw(server, ...args),
      rawAll: async (...args) => [await raw(server, ...args)],
    };
  }

  describe('entries', () => {
    it('stores entry id at PREFIX:KEY:id as a plain string; get/set/has/exists/delete', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      const at = `${users.key}:42`;
      expect(users.key).to.equal(`app:${Users.KEY}`);
      expect(await users.get('42')).to.equal(null);
      expect(await users.has('42')).to.equal(false);
      expect(await users.set('42', 'ann')).to.equal(true);
      expect(await target().raw('TYPE', at)).to.equal('string');
      expect(await target().raw('GET', at)).to.equal('ann');
      expect(await target().raw('EXISTS', users.key)).to.equal(0);
      expect(await users.get('42')).to.equal('ann');
      expect(await users.get(42)).to.equal('ann');
      expect(await users.has('42')).to.equal(true);
      expect(await users.exists('42')).to.equal(true);
      expect(await users.delete('42')).to.equal(true);
      expect(await users.delete('42')).to.equal(false);
      expect(await target().raw('EXISTS', at)).to.equal(0);
      expect(await users.get('42')).to.equal(null);
    });

    it('set with ifAbsent only stores a missing entry', async () => {
      const users = new (cacheOf<string>())();
      expect(await users.set('a', 'first', { ifAbsent: true })).to.equal(true);
      expect(await users.set('a', 'second', { ifAbsent: true })).to.equal(false);
      expect(await users.get('a')).to.equal('first');
    });

    for (const [name, ser, values] of serializerCases()) {
      // A null nested in a value is not an absent value: JSON keeps it.
      if (ser === serializer.JSON) values.push({ a: [1, null] });
      it(`round-trips falsy and other values through ${name} (set/get and getOrSet)`, async () => {
        const Values = cacheOf<unknown>({ ser });
        const cache = new Values();
        for (const [i, v] of values.entries()) {
          expect(await cache.set(`s${i}`, v)).to.equal(true);
          expect(await cache.has(`s${i}`)).to.equal(true);
          expect(await cache.get(`s${i}`)).to.deep.equal(v);
          let calls = 0;
          const computed = await cache.getOrSet(`g${i}`, () => {
            calls += 1;
            return v;
          });
          expect(computed).to.deep.equal(v);
          // A stored falsy value is a hit: compute does not run again.
          expect(await cache.getOrSet(`g${i}`, () => 'other')).to.deep.equal(v);
          expect(calls).to.equal(1);
          expect(await cache.get(`g${i}`)).to.deep.equal(v);
        }
      });
    }

    it('refuses null/undefined values and bad ids before sending anything', async () => {
      const Values = cacheOf<unknown>({ ser: serializer.JSON });
      const values = new Values();
      await rejects(() => values.set('x', null), EncodeError, /absent/);
      await rejects(() => values.set('x', undefined), EncodeError);
      expect(await target().raw('EXISTS', `${values.key}:x`)).to.equal(0);
      expect(() => values.get('')).to.throw(KeyError);
      expect(() => values.get(NaN)).to.throw(KeyError);
      expect(() => values.has(undefined as unknown as string)).to.throw(KeyError);
    });

    it('has no key operations of its own: a cache is a namespace, not a key', () => {
      const users = new (cacheOf<string>())();
      expect(users).to.be.instanceOf(Namespace);
      expect(users).to.not.be.instanceOf(Model);
      // @ts-expect-error -- a namespace has no time to live: pexpire(id, ms) per entry
      expect(users.expire).to.equal(undefined);
      // @ts-expect-error -- pttl(id) per entry
      expect(users.ttl).to.equal(undefined);
      // @ts-expect-error -- set(id, value, { ttl: Infinity }) per entry
      expect(users.persist).to.equal(undefined);
      // @ts-expect-error -- a namespace cannot be renamed as one key
      expect(users.rename).to.equal(undefined);
      for (const method of ['expire', 'ttl', 'persist', 'rename']) {
        expect(method in users, method).to.equal(false);
      }
      // exists/delete are entry operations: the id is required.
      // @ts-expect-error -- delete() needs an entry id (clear() removes every entry)
      expect(() => users.delete()).to.throw(KeyError, /id/);
      // @ts-expect-error -- exists() needs an entry id
      expect(() => users.exists()).to.throw(KeyError, /id/);
    });

    it('entry operations also run inside a pipeline; multi-step ones refuse', async () => {
      const users = new (cacheOf<string>())();
      const [stored, value, missing] = await Main.pipeline((p) => [
        users.in(p).set('p', 'piped', { ttl: 10_000 }),
        users.in(p).get('p'),
        users.in(p).get('none'),
      ]);
      expect([stored, value, missing]).to.deep.equal([true, 'piped', null]);
      expect(users.stats).to.deep.equal({ hits: 1, misses: 1 });
      const refused: Array<Promise<unknown>> = []; // each settles to its error
      await Main.pipeline((p) => {
        const batched = users.in(p);
        // Typed as queued placeholders, but multi-step operations reject instead.
        for (const attempt of [
          // @ts-expect-error -- cannot run in a batch: refused by the types too
          (): unknown => batched.getOrSet('x', () => 'v'),
          // @ts-expect-error -- cannot run in a batch: refused by the types too
          (): unknown => batched.clear(),
          // @ts-expect-error -- cannot run in a batch: refused by the types too
          (): unknown => batched.keys(),
          // @ts-expect-error -- an iterator cannot run in a batch: refused by the types too
          (): unknown => batched.scan(),
        ]) {
          refused.push(
            Promise.resolve()
              .then(attempt)
              .then(
                () => null,
                (error: unknown) => error,
              ),
          );
        }
        return [batched.has('p')];
      });
      for (const error of await Promise.all(refused)) {
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message).to.match(/pipeline/);
      }
      expect(await target().raw('EXISTS', `${users.key}:x`)).to.equal(0);
    });
  });

  describe('namespaces', () => {
    it('a PREFIX alone is the namespace: entries at PREFIX:id; keys and clear stay inside it', async () => {
      const prefix = uniq('cache');
      const Plain = cacheOf<string>({ prefix, key: null });
      const cache = new Plain();
      expect(cache.key).to.equal(prefix);
      expect(cache.namespaced).to.equal(true);
      const decoys = [prefix, `${prefix}2:x`, `${prefix}x`];
      for (const decoy of decoys) await target().raw('SET', decoy, 'decoy');
      expect(await cache.set('42', 'v', { ttl: 60_000 })).to.equal(true);
      expect(await target().raw('GET', `${prefix}:42`)).to.equal('v');
      expect(await cache.get(42)).to.equal('v');
      expect(await cache.pttl('42')).to.be.within(1, 60_000);
      expect(await cache.getOrSet('7', () => 'computed')).to.equal('computed');
      expect(await target().raw('GET', `${prefix}:7`)).to.equal('computed');
      expect(cache.stats).to.deep.equal({ hits: 1, misses: 1 });
      // A name given to the constructor goes after the PREFIX; namespaces nest.
      const eu = new Plain('eu');
      expect(eu.key).to.equal(`${prefix}:eu`);
      await eu.set('1', 'eu');
      expect(await target().raw('GET', `${prefix}:eu:1`)).to.equal('eu');
      expect(await eu.keys()).to.deep.equal(['1']);
      expect(eu.stats).to.deep.equal({ hits: 0, misses: 0 });
      expect((await cache.keys()).sort()).to.deep.equal(['42', '7', 'eu:1']);
      expect(await cache.clear()).to.equal(3);
      expect(await cache.keys()).to.deep.equal([]);
      for (const decoy of decoys) expect(await target().raw('GET', decoy), decoy).to.equal('decoy');
    });

    it('a name alone is the namespace: static KEY or the constructor argument, without PREFIX', async () => {
      const name = uniq('users');
      const Named = cacheOf<string>({ prefix: null, key: name });
      const users = new Named();
      expect(users.key).to.equal(name);
      await users.set('a', '1');
      expect(await target().raw('GET', `${name}:a`)).to.equal('1');
      expect(await users.keys()).to.deep.equal(['a']);
      const other = uniq('other');
      const byArgument = new (cacheOf<string>({ prefix: null, key: null }))(other);
      expect(byArgument.key).to.equal(other);
      await byArgument.set('b', '2');
      expect(await target().raw('GET', `${other}:b`)).to.equal('2');
      expect(await byArgument.clear()).to.equal(1);
      expect(() => new Named('')).to.throw(KeyError, /empty/);
      expect(() => new Named(7 as unknown as string)).to.throw(KeyError, /string/);
    });

    it('without PREFIX or KEY an entry key is its id; keys(match) and scan() walk the database', async () => {
      const Bare = cacheOf<unknown>({ prefix: null, key: null, ser: serializer.JSON });
      const cache = new Bare();
      expect(cache.key).to.equal('');
      expect(cache.namespaced).to.equal(false);
      const u = uniq('user');
      expect(await cache.set(`${u}:123`, { n: 1 }, { ttl: 60_000 })).to.equal(true);
      expect(await target().raw('GET', `${u}:123`)).to.equal('{"n":1}');
      expect(await cache.get(`${u}:123`)).to.deep.equal({ n: 1 });
      expect(await cache.has(`${u}:123`)).to.equal(true);
      expect(await cache.pttl(`${u}:123`)).to.be.within(1, 60_000);
      expect(await cache.pexpire(`${u}:123`, 30_000)).to.equal(true);
      // Every key matching the glob is listed, whatever wrote it and whatever its type.
      await target().raw('RPUSH', `${u}:list`, 'x');
      await target().raw('SET', `other-${u}:1`, 'decoy');
      expect((await cache.keys(`${u}:*`)).sort()).to.deep.equal([`${u}:123`, `${u}:list`]);
      const scanned: string[] = [];
      for await (const key of cache.scan({ match: `${u}:1*`, count: 100 })) scanned.push(key);
      expect(scanned).to.deep.equal([`${u}:123`]);
      expect(await cache.keys()).to.include.members([`${u}:123`, `${u}:list`, `other-${u}:1`]);
      // getOrSet's helper keys sit beside the entry: {id}:computing while it computes.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const computing = cache.getOrSet(`${u}:9`, async () => {
        await gate;
        return { n: 9 };
      });
      await sleep(50);
      expect(await target().raw('EXISTS', markerOf(`${u}:9`))).to.equal(1);
      release();
      expect(await computing).to.deep.equal({ n: 9 });
      expect(await target().raw('GET', `${u}:9`)).to.equal('{"n":9}');
      expect(await target().raw('EXISTS', markerOf(`${u}:9`))).to.equal(0);
      // Single-command operations still queue into a batch (routed by entry key on a cluster).
      const [got, removed] = await Main.pipeline((p) => [
        cache.in(p).get(`${u}:9`),
        cache.in(p).delete(`${u}:123`),
      ]);
      expect([got, removed]).to.deep.equal([{ n: 9 }, true]);
      expect(await target().raw('EXISTS', `${u}:123`)).to.equal(0);
      expect(cache.stats).to.deep.equal({ hits: 2, misses: 1 });
      expect(new Bare().stats).to.deep.equal(cache.stats);
    });

    it('clear() without a namespace demands { wholeDatabase: true }; with one, refuses it; nothing sent', async () => {
      const bare = new (cacheOf<string>({ prefix: null, key: null }))();
      const kept = uniq('kept');
      await bare.set(kept, 'v');
      const users = new (cacheOf<string>())();
      await users.set('a', '1');
      const walks = await totalCalls(target(), 'scan', 'unlink');
      expect(() => bare.clear()).to.throw(ArgumentError, /no namespace.*wholeDatabase/);
      expect(() => bare.clear({ count: 10 })).to.throw(ArgumentError, /wholeDatabase/);
      expect(() => bare.clear({ wholeDatabase: false })).to.throw(ArgumentError, /wholeDatabase/);
      expect(() => users.clear({ wholeDatabase: true })).to.throw(ArgumentError, /namespace/);
      expect(await totalCalls(target(), 'scan', 'unlink')).to.equal(walks);
      expect(await target().raw('GET', kept)).to.equal('v');
      expect(await users.get('a')).to.equal('1');
      expect(await users.clear({ wholeDatabase: false })).to.equal(1);
    });

    it('clear({ wholeDatabase: true }) removes every key of the database, of any type, on every master', async function () {
      this.timeout(30_000);
      const db = await ownDatabase();
      const bare = new (cacheOf<string>({ prefix: null, key: null, conn: db.connection }))();
      const ids = Array.from({ length: 60 }, (_, i) => `k${i}`);
      for (const id of ids) await bare.set(id, 'v');
      await db.raw('RPUSH', 'a-list', 'x');
      await db.raw('HSET', 'a-hash', 'f', 'v');
      const sizes = (await db.rawAll('DBSIZE')).map(Number);
      const before = sizes.reduce((a, b) => a + b, 0);
      expect(before).to.be.at.least(ids.length + 2);
      for (const [master, n] of sizes.entries()) expect(n, `master ${master}`).to.be.above(0);
      const removed = await bare.clear({ wholeDatabase: true, count: 10 });
      // Keys with a ttl (other specs' on the shared cluster) may expire meanwhile: not counted.
      expect(removed).to.be.within(ids.length + 2, before);
      if (target().kind === 'standalone') expect(removed).to.equal(ids.length + 2);
      expect((await db.rawAll('DBSIZE')).map(Number)).to.deep.equal(Array(sizes.length).fill(0));
      expect(await bare.keys()).to.deep.equal([]);
    });

    it('subclasses keep their #private members on batch and entry copies', async () => {
      class Tagged extends Cache<string> {
        static override CONNECTION = Main;
        static override PREFIX = 'app';
        static override KEY = uniq('tagged');
        readonly #tag = '#';
        put(id: string, value: string): Promise<boolean> {
          return this.set(id, `${this.#tag}${value}`);
        }
      }
      const tagged = new Tagged();
      const [stored, value] = await Main.pipeline((p) => [
        tagged.in(p).put('a', 'x'),
        tagged.in(p).get('a'),
      ]);
      expect([stored, value]).to.deep.equal([true, '#x']);
      expect(await tagged.fromMaster().put('b', 'y')).to.equal(true);
      expect(await target().raw('GET', `${tagged.key}:b`)).to.equal('#y');
    });
  });

  describe('time to live', () => {
    it('sets the ttl (ms) in the same SET command, never with a separate EXPIRE', async () => {
      const users = new (cacheOf<string>())();
      const expires = await totalCalls(target(), 'expire', 'pexpire');
      await users.set('short', 'v', { ttl: 150 });
      const pttl = Number(await target().raw('PTTL', `${users.key}:short`));
      expect(pttl).to.be.within(1, 150);
      expect(await users.pttl('short')).to.be.within(1, 150);
      expect(await totalCalls(target(), 'expire', 'pexpire')).to.equal(expires);
      await sleep(250);
      expect(await users.get('short')).to.equal(null);
      expect(await target().raw('EXISTS', `${users.key}:short`)).to.equal(0);
      await rejects(() => users.set('x', 'v', { ttl: 0 }), ArgumentError, /milliseconds/);
      await rejects(() => users.set('x', 'v', { ttl: 1.5 }), ArgumentError, /milliseconds/);
      expect(await target().raw('EXISTS', `${users.key}:x`)).to.equal(0);
    });

    it('uses the class TTL by default; { ttl: Infinity } stores without expiry', async () => {
      const users = new (cacheOf<string>({ ttl: 60_000 }))();
      await users.set('default', 'v');
      expect(Number(await target().raw('PTTL', `${users.key}:default`))).to.be.within(
        50_000,
        60_000,
      );
      await users.set('explicit', 'v', { ttl: 5_000 });
      expect(Number(await target().raw('PTTL', `${users.key}:explicit`))).to.be.within(1, 5_000);
      await users.set('forever', 'v', { ttl: Infinity });
      expect(await target().raw('PTTL', `${users.key}:forever`)).to.equal(-1);
      expect(await users.pttl('forever')).to.equal(Infinity);
      expect(await users.pttl('missing')).to.equal(null);
      await users.getOrSet('computed', () => 'v');
      expect(Number(await target().raw('PTTL', `${users.key}:computed`))).to.be.within(
        50_000,
        60_000,
      );
      const plain = new (cacheOf<string>())();
      await plain.set('x', 'v');
      expect(await target().raw('PTTL', `${plain.key}:x`)).to.equal(-1);
      const Broken = cacheOf<string>({ ttl: -5 });
      await rejects(() => new Broken().set('x', 'v'), ConfigError, /TTL/);
    });

    it('pexpire changes the ttl of an existing entry (ms)', async () => {
      const users = new (cacheOf<string>())();
      expect(await users.pexpire('missing', 1_000)).to.equal(false);
      await users.set('a', 'v');
      expect(await users.pexpire('a', 2_000)).to.equal(true);
      expect(await users.pttl('a')).to.be.within(1, 2_000);
      await rejects(() => users.pexpire('a', -1), ArgumentError);
    });
  });

  describe('keys, scan and clear', () => {
    it('list and remove only this cache entries; decoys sharing a textual prefix survive', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      const ns = users.key;
      const decoys = [
        ns, // the namespace itself
        `${ns}2:x`, // another cache whose namespace starts with the same text
        `${ns}x`,
        `${ns}_:y`,
        `{${ns}:a}:computing`, // helper keys beside an entry
        `other:${ns}:a`,
      ];
      for (const decoy of decoys) await target().raw('SET', decoy, 'decoy');
      await users.set('a', '1');
      await users.set('b:c', '2');
      await users.set('*', '3');
      expect((await users.keys()).sort()).to.deep.equal(['*', 'a', 'b:c']);
      expect(await users.keys('b:*')).to.deep.equal(['b:c']);
      expect(await users.keys({ match: 'b:*', count: 10 })).to.deep.equal(['b:c']);
      expect((await users.keys('?')).sort()).to.deep.equal(['*', 'a']);
      const iterated: string[] = [];
      for await (const id of users.scan()) iterated.push(id);
      expect(iterated.sort()).to.deep.equal(['*', 'a', 'b:c']);
      expect(await users.clear()).to.equal(3);
      expect(await users.keys()).to.deep.equal([]);
      expect(await users.clear()).to.equal(0);
      for (const decoy of decoys) {
        expect(await target().raw('GET', decoy), decoy).to.equal('decoy');
      }
    });

    it('escapes the glob characters of the namespace', async () => {
      const key = `${uniq('g')}[1]*?\\`;
      const Globby = cacheOf<string>({ key });
      const globby = new Globby();
      // What the namespace would match if its glob characters were not escaped.
      const decoy = `app:${key.slice(0, -6)}1zz:x`;
      await target().raw('SET', decoy, 'decoy');
      await globby.set('mine', 'v');
      expect(await globby.keys()).to.deep.equal(['mine']);
      expect(await globby.clear()).to.equal(1);
      expect(await target().raw('GET', decoy)).to.equal('decoy');
    });

    it('pages through many entries (SCAN batches) on every master and clears them all', async function () {
      this.timeout(30_000);
      const Users = cacheOf<string>({ ser: serializer.String });
      const users = new Users();
      const total = 2_500;
      const entries = Array.from({ length: total }, (_, i) => `${users.key}:${i}`);
      await rawMulti(target(), 'MSET', entries, (key) => [key.slice(users.key.length + 1)]);
      // Spread over every master (on the cluster: all three hold some).
      const spread = await countPerMaster(target(), `${users.key}:*`);
      expect(spread).to.have.length(target().masters);
      expect(spread.reduce((sum, n) => sum + n, 0)).to.equal(total);
      for (const [master, n] of spread.entries()) expect(n, `master ${master}`).to.be.above(0);
      const decoys = Array.from({ length: 50 }, (_, i) => `${users.key}2:${i}`);
      await rawMulti(target(), 'MSET', decoys, () => ['decoy']);
      const ids = await users.keys({ count: 100 });
      expect(ids).to.have.length(total);
      expect(new Set(ids).size).to.equal(total);
      expect(ids.map(Number).sort((a, b) => a - b)).to.deep.equal([...Array(total).keys()]);
      let streamed = 0;
      for await (const _id of users.scan({ match: '1*', count: 300 })) streamed += 1;
      expect(streamed).to.be.at.least(1 + 10 + 100 + 1000); // may see an id twice
      expect(await users.clear({ count: 200 })).to.equal(total);
      expect(await users.keys()).to.deep.equal([]);
      expect(await countPerMaster(target(), `${users.key}:*`)).to.deep.equal(
        Array(target().masters).fill(0),
      );
      const existing = await rawMulti(target(), 'EXISTS', decoys);
      expect(existing.reduce((sum: number, n) => sum + Number(n), 0)).to.equal(decoys.length);
      await rejects(() => users.keys({ count: 0 }), ArgumentError, /count/);
      await rejects(() => users.keys(''), ArgumentError, /match/);
      expect(() => users.scan({ count: 1.5 })).to.throw(ArgumentError, /count/);
    });

    for (const prefix of ['app', '{app}']) {
      it(`entries, keys, clear and getOrSet work across the masters (prefix ${prefix})`, async () => {
        const key = uniq('spread');
        const [First, Second] = [Main, target().connection()].map((conn) =>
          cacheOf<string>({ conn, prefix, key }),
        );
        const first = new First();
        expect(first.key).to.equal(`${prefix}:${key}`);
        const ids = Array.from({ length: 30 }, (_, i) => `e${i}`);
        for (const id of ids) await first.set(id, `v-${id}`, { ttl: 60_000 });
        const counts = await countPerMaster(target(), `${first.key}:*`);
        expect(counts.reduce((a, b) => a + b, 0)).to.equal(30);
        // Without a hash tag the entries spread over every master; with one, they share a slot.
        expect(counts.filter((n) => n > 0)).to.have.length(prefix === 'app' ? target().masters : 1);
        expect((await first.keys()).sort()).to.deep.equal([...ids].sort());
        expect(await new Second().get('e7')).to.equal('v-e7');

        let calls = 0;
        const compute = async (): Promise<string> => {
          calls += 1;
          await sleep(100);
          return 'computed';
        };
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            new (i % 2 ? First : Second)().getOrSet(`hot${prefix}`, compute),
          ),
        );
        expect(results).to.deep.equal(Array(10).fill('computed'));
        expect(calls).to.equal(1);
        expect(await first.clear({ count: 50 })).to.equal(31);
        expect(await first.keys()).to.deep.equal([]);
        expect(await countPerMaster(target(), `${first.key}:*`)).to.deep.equal(
          Array(target().masters).fill(0),
        );
      });
    }

    it('keeps getOrSet markers out of a hash-tagged namespace', async () => {
      const Tagged = cacheOf<string>({ prefix: '{app}', key: uniq('tagged') });
      const tagged = new Tagged();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const computing = tagged.getOrSet('x', async () => {
        await gate;
        return 'v';
      });
      await sleep(50);
      const markers = (await keysPerMaster(target(), `*computing*${Tagged.KEY}*`)).flat();
      expect(markers).to.have.length(1);
      expect(markers[0].startsWith('{app}')).to.equal(true); // same slot as the entries
      expect(slotOf(markers[0])).to.equal(slotOf(`${tagged.key}:x`));
      expect(await tagged.keys()).to.deep.equal([]);
      expect(await tagged.clear()).to.equal(0);
      expect(await target().raw('EXISTS', markers[0])).to.equal(1);
      release();
      expect(await computing).to.equal('v');
      expect(await tagged.keys()).to.deep.equal(['x']);
      expect(await target().raw('EXISTS', markers[0])).to.equal(0);
    });
  });

  describe('getOrSet', () => {
    it('20 concurrent callers on 4 connections compute once and all get the same value', async () => {
      const key = uniq('hot');
      const classes = Array.from({ length: 4 }, () =>
        cacheOf<{ n: number }>({ ser: serializer.JSON, key, conn: target().connection() }),
      );
      let calls = 0;
      const compute = async (): Promise<{ n: number }> => {
        calls += 1;
        await sleep(100);
        return { n: 7 };
      };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          new classes[i % classes.length]().getOrSet('item', compute, { ttl: 30_000 }),
        ),
      );
      expect(calls).to.equal(1);
      for (const result of results) expect(result).to.deep.equal({ n: 7 });
      const entry = `app:${key}:item`;
      expect(await target().raw('GET', entry)).to.equal('{"n":7}');
      expect(Number(await target().raw('PTTL', entry))).to.be.within(1, 30_000);
      expect(await target().raw('EXISTS', markerOf(entry))).to.equal(0);
      const stats = classes.map((c) => new c().stats);
      expect(stats.reduce((sum, s) => sum + s.misses, 0)).to.equal(1);
      expect(stats.reduce((sum, s) => sum + s.hits, 0)).to.equal(19);
    });

    it('when compute throws: the error reaches its caller, the marker is freed, later calls compute', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      const entry = `${users.key}:u`;
      const boom = new Error('database down');
      await rejects(
        () =>
          users.getOrSet('u', () => {
            throw boom;
          }),
        Error,
        /database down/,
      );
      expect(await target().raw('EXISTS', markerOf(entry))).to.equal(0);
      expect(await target().raw('EXISTS', entry)).to.equal(0);
      expect(await users.getOrSet('u', () => 'fine')).to.equal('fine');
      const NullMaker = cacheOf<unknown>({ ser: serializer.JSON });
      const nulls = new NullMaker();
      await rejects(() => nulls.getOrSet('n', () => null), EncodeError, /absent/);
      expect(await target().raw('EXISTS', markerOf(`${nulls.key}:n`))).to.equal(0);
    });

    it('callers waiting on a failing computation compute themselves, once', async () => {
      const key = uniq('flaky');
      const [First, Second, Third] = Array.from({ length: 3 }, () =>
        cacheOf<string>({ key, conn: target().connection() }),
      );
      let failing = 0;
      const failed = new First().getOrSet('k', async () => {
        failing += 1;
        await sleep(150);
        throw new Error('first attempt fails');
      });
      failed.catch(() => undefined);
      await sleep(30); // the first caller holds the marker now
      let good = 0;
      const compute = async (): Promise<string> => {
        good += 1;
        await sleep(50);
        return 'second';
      };
      const waiting = [
        new Second().getOrSet('k', compute),
        new Third().getOrSet('k', compute),
        new Second().getOrSet('k', compute),
      ];
      await rejects(() => failed, Error, /first attempt fails/);
      expect(await Promise.all(waiting)).to.deep.equal(['second', 'second', 'second']);
      expect(failing).to.equal(1);
      expect(good).to.equal(1);
    });

    it('takes over when the computing caller died (its marker expired)', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      const entry = `${users.key}:orphan`;
      await target().raw('SET', markerOf(entry), 'dead-winner-token', 'PX', '400');
      let calls = 0;
      const started = Date.now();
      const result = users.getOrSet('orphan', () => {
        calls += 1;
        return 'recomputed';
      });
      await sleep(100);
      expect(calls, 'computed while the marker was alive').to.equal(0);
      expect(Number(await target().raw('PTTL', markerOf(entry)))).to.be.above(0);
      expect(await result).to.equal('recomputed');
      expect(calls).to.equal(1);
      expect(Date.now() - started).to.be.below(5_000);
      expect(await target().raw('GET', entry)).to.equal('recomputed');
      expect(await target().raw('EXISTS', markerOf(entry))).to.equal(0);
    });

    it('waiters block instead of polling', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      const entry = `${users.key}:slow`;
      await target().raw('SET', markerOf(entry), 'someone-else', 'PX', '1500');
      const polls = (): Promise<number> => totalCalls(target(), 'evalsha', 'eval', 'get');
      const [pollsBefore, waitsBefore] = [await polls(), await totalCalls(target(), 'blmove')];
      const results = await Promise.all(
        Array.from({ length: 5 }, () => users.getOrSet('slow', () => 'v', { lockTtl: 5_000 })),
      );
      expect(results).to.deep.equal(['v', 'v', 'v', 'v', 'v']);
      // Polling every 10 ms would take hundreds of round trips over 1.5 s. Blocking: each caller
      // checks a few times (GETs inside the scripts count too), and the five callers of this
      // process share each blocking wait.
      expect((await polls()) - pollsBefore).to.be.below(80);
      expect((await totalCalls(target(), 'blmove')) - waitsBefore).to.be.within(1, 6);
    });

    it('a value stored by the winner after its marker expired is still kept and returned', async () => {
      const key = uniq('late');
      const [Slow, Fast] = [
        cacheOf<string>({ key }),
        cacheOf<string>({ key, conn: target().connection() }),
      ];
      let calls = 0;
      const slow = new Slow().getOrSet(
        'k',
        async () => {
          calls += 1;
          await sleep(300);
          return 'slow';
        },
        { lockTtl: 100 },
      );
      await sleep(20);
      const fast = new Fast().getOrSet('k', async () => {
        calls += 1;
        await sleep(400);
        return 'fast';
      });
      expect(await slow).to.equal('slow');
      // The second caller took over after 100 ms (lockTtl too short for compute: documented);
      // the first one stored its value but left the second one's marker alone.
      expect(await target().raw('EXISTS', markerOf(`app:${key}:k`))).to.equal(1);
      expect(await fast).to.equal('fast');
      expect(calls).to.equal(2);
      expect(await target().raw('EXISTS', markerOf(`app:${key}:k`))).to.equal(0);
    });
  });

  describe('stats', () => {
    it('counts hits and misses of get and getOrSet per class and namespace, in this process', async () => {
      const Users = cacheOf<string>();
      const users = new Users();
      expect(users.stats).to.deep.equal({ hits: 0, misses: 0 });
      await users.get('a'); // miss
      await users.set('a', 'v');
      await users.get('a'); // hit
      await users.getOrSet('a', () => 'other'); // hit
      await users.getOrSet('b', () => 'computed'); // miss
      await users.has('a'); // not counted
      expect(users.stats).to.deep.equal({ hits: 2, misses: 2 });
      expect(new Users().stats).to.deep.equal({ hits: 2, misses: 2 });
      expect(new Users('elsewhere').stats).to.deep.equal({ hits: 0, misses: 0 });
      expect(new (cacheOf<string>({ key: Users.KEY }))().stats).to.deep.equal({
        hits: 0,
        misses: 0,
      });
      expect(users.resetStats()).to.deep.equal({ hits: 2, misses: 2 });
      expect(users.stats).to.deep.equal({ hits: 0, misses: 0 });
      await new Users().get('a');
      expect(users.stats).to.deep.equal({ hits: 1, misses: 0 });
    });
  });

  describe('RESP2', () => {
    it('decodes RESP2 replies alike (get, pttl, getOrSet, keys, clear)', async () => {
      const Resp2 = target().namedConnection({ protocol: 2 });
      try {
        const Values = cacheOf<unknown>({ ser: serializer.JSON, conn: Resp2 });
        const values = new Values();
        expect(await values.set('zero', 0, { ttl: 5_000 })).to.equal(true);
        expect(await values.get('zero')).to.equal(0);
        expect(await values.has('zero')).to.equal(true);
        expect(await values.pttl('zero')).to.be.within(1, 5_000);
        let calls = 0;
        const compute = async (): Promise<unknown> => {
          calls += 1;
          await sleep(50);
          return [];
        };
        expect(
          await Promise.all([1, 2, 3].map(() => values.getOrSet('list', compute))),
        ).to.deep.equal([[], [], []]);
        expect(calls).to.equal(1);
        expect((await values.keys()).sort()).to.deep.equal(['list', 'zero']);
        expect(await values.clear()).to.equal(2);
        // It really spoke RESP2: its clients (on every node that has one) say so.
        const protocols = await protocolsNamed(target(), Resp2.clientName);
        expect(protocols.length).to.be.at.least(sharedConnections(target()));
        expect(new Set(protocols)).to.deep.equal(new Set([2]));
      } finally {
        await Resp2.close();
      }
    });
  });

  describe('errors', () => {
    it('a wrong Redis type at an entry key is a WrongTypeError naming the model and the entry key', async () => {
      class Profiles extends Cache<string> {
        static override CONNECTION = Main;
        static override PREFIX = 'app';
        static override KEY = uniq('profiles');
      }
      const profiles = new Profiles();
      const entry = `${profiles.key}:bad`;
      await target().raw('LPUSH', entry, 'x');
      for (const operation of [
        () => profiles.get('bad'),
        () => profiles.getOrSet('bad', () => 'v'),
      ]) {
        const error = await rejects(operation, WrongTypeError);
        expect(error.model).to.equal('Profiles');
        expect(error.key).to.equal(entry);
        expect(error.message).to.include('Profiles').and.include(entry);
      }
      expect(await target().raw('LLEN', entry)).to.equal(1);
    });
  });
});
