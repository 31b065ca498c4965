import { expect } from 'chai';
import fc from 'fast-check';
import {
  ArgumentError,
  Cache,
  Counter,
  EncodeError,
  HashMap,
  KeyError,
  Lock,
  Map as RMap,
  Pool,
  PriorityQueue,
  Queue,
  SortedSet,
  Stack,
  type Connection,
} from '../../src/index.js';
import { modelClass, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';
import { fuzz } from './fuzz-support.js';

/**
 * Fuzzing key, field, member and namespace names: unicode, spaces, braces (cluster hash tags),
 * glob characters, newlines, NUL, 10 KB names, and lone UTF-16 surrogates, through every model,
 * on a standalone server and on a 3-master cluster.
 *
 * A name UTF-8 can carry is used exactly as given (the server holds that very key, field or
 * member; two different names never meet), every operation works on it — helper keys of locks
 * and caches share its cluster slot, SCAN walks escape its glob characters. A name with a lone
 * surrogate (which Node would write as U+FFFD, so two such names could be one key) is refused
 * with a `KeyError` (keys, ids) or an `ArgumentError` (fields), an `EncodeError` for a value
 * without a serializer, before anything is sent.
 */

/** Whether UTF-8 keeps `text` as it is (no lone surrogate). */
const wellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const tricky = fc.constantFrom(...'{}*?[]\\^- \n\r\t\0:é😀aZ', '{}', '{a}', '\\*', '%s');
const tenKb = fc
  .tuple(fc.constantFrom('x', '{', '}', '*', 'é', '\n'), fc.nat(20))
  .map(([c, n]) => `${n}${c}`.repeat(10_240 / 2).slice(0, 10_240));

/** A name: anything a user could pass, mostly ones UTF-8 keeps. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: tricky, minLength: 1, maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: tenKb },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.oneof(tricky, lone), minLength: 1, maxLength: 6 }),
  },
);

onEachTopology('fuzz: key, field and member names', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  /** A model class of this file's Connection, without serializer (strings as they are). */
  const configured = <C extends abstract new (key?: string) => unknown>(Base: C, label: string) =>
    modelClass(Base as never, Main, undefined, label) as unknown as C;

  /** A fresh key from a fuzzed name: the name first (a leading `{}` matters on a cluster). */
  const keyOf = (fuzzed: string) => `${fuzzed}${uniq('~')}`;

  it('Counter, Map: a key name is that very key, never another', async function () {
    this.timeout(60_000);
    const Hits = configured(Counter, 'Hits');
    const Value = configured(RMap<string>, 'Value');
    await fc.assert(
      fc.asyncProperty(name, name, async (a, b) => {
        const key = keyOf(a);
        if (!wellFormed(key)) {
          for (const Model of [Hits, Value]) {
            expect(() => new Model(key), key).to.throw(KeyError, /lone UTF-16 surrogate/);
          }
          return;
        }
        const hits = new Hits(key);
        const value = new Value(key);
        const other = `${key}${b}`;
        expect(hits.key).to.equal(key);
        expect(await hits.incr(3)).to.equal(3);
        expect(await target().raw('GET', key)).to.equal('3');
        await value.set(b.length > 3 ? 'long' : 'v'); // overwrites the counter: same key
        expect(await target().raw('GET', key)).to.equal(b.length > 3 ? 'long' : 'v');
        if (wellFormed(other)) {
          const neighbour = new Value(other);
          expect(await neighbour.get()).to.equal(null);
          await neighbour.set('n');
          expect(await value.get()).to.equal(b.length > 3 ? 'long' : 'v');
          await neighbour.delete();
        }
        expect(await value.expire(60)).to.equal(true);
        expect(await value.ttl()).to.be.within(1, 60);
        expect(await value.delete()).to.equal(true);
      }),
      fuzz(200),
    );
  });

  // A key with a "}" and no hash tag (`}{`, `{}x`): its side keys carry a tag of its slot
  // (core/keys.ts `sideKey`), not `{key}:fence`, which would be in another slot (CROSSSLOT).
  it('Lock: any key name; its helper keys share its slot', async function () {
    this.timeout(60_000);
    const Locks = configured(Lock, 'Locks');
    await fc.assert(
      fc.asyncProperty(name, async (a) => {
        const key = keyOf(a);
        if (!wellFormed(key)) {
          expect(() => new Locks(key), key).to.throw(KeyError, /lone UTF-16 surrogate/);
          return;
        }
        const lock = new Locks(key);
        // The lock's scripts touch its side keys: on a cluster they must be in the key's slot.
        expect(await lock.acquire({ ttl: 2_000 })).to.equal(true);
        expect(await lock.owned()).to.equal(true);
        expect(await target().raw('EXISTS', key)).to.equal(1);
        expect(await lock.release()).to.equal(true);
        expect(await target().raw('EXISTS', key)).to.equal(0);
      }),
      fuzz<[string]>(200, [['}{'], ['{}x'], ['a}b'], ['{a}'], ['{']]),
    );
  });

  it('HashMap, Pool, SortedSet: fields and members are stored exactly as given', async function () {
    this.timeout(60_000);
    const Fields = configured(HashMap<string>, 'Fields');
    const Bag = configured(Pool<string>, 'Bag');
    const Board = configured(SortedSet<string>, 'Board');
    await fc.assert(
      fc.asyncProperty(name, name, async (keyName, member) => {
        const key = keyOf(keyName);
        if (!wellFormed(key)) {
          expect(() => new Fields(key)).to.throw(KeyError);
          return;
        }
        const hash = new Fields(key);
        const bag = new Bag(`${key}:bag`);
        const board = new Board(`${key}:board`);
        if (!wellFormed(member)) {
          expect(() => hash.set(member, 'v')).to.throw(ArgumentError, /lone UTF-16 surrogate/);
          expect(() => hash.get(member)).to.throw(ArgumentError);
          expect(() => bag.push(member)).to.throw(EncodeError, /lone UTF-16 surrogate/);
          expect(() => board.add(member, 1)).to.throw(EncodeError);
          expect(await target().raw('EXISTS', key)).to.equal(0);
          return;
        }
        expect(await hash.set(member, 'v')).to.equal(true);
        expect(await target().raw('HGET', key, member)).to.equal('v');
        expect(await hash.getAll()).to.deep.equal({ [member]: 'v' });
        expect(await hash.fields()).to.deep.equal([member]);
        const scanned: Array<[string, string]> = [];
        for await (const pair of hash.scan()) scanned.push(pair);
        expect(scanned).to.deep.equal([[member, 'v']]);
        expect(await hash.remove(member)).to.equal(true);

        expect(await bag.push(member, `${member}\0`)).to.equal(2);
        expect(await bag.contains(member)).to.equal(true);
        expect((await bag.members()).sort()).to.deep.equal([member, `${member}\0`].sort());
        expect(await target().raw('SISMEMBER', bag.key, member)).to.equal(1);
        expect(await bag.delete()).to.equal(true);

        expect(await board.add(member, 1.5)).to.equal(true);
        expect(await board.score(member)).to.equal(1.5);
        expect(await board.members({ withScores: true })).to.deep.equal([[member, 1.5]]);
        expect(await board.delete()).to.equal(true);
      }),
      fuzz(200),
    );
  });

  it('Queue, Stack, PriorityQueue: any key and item', async function () {
    this.timeout(60_000);
    const Jobs = configured(Queue<string>, 'Jobs');
    const Pile = configured(Stack<string>, 'Pile');
    const Tasks = configured(PriorityQueue<string>, 'Tasks');
    await fc.assert(
      fc.asyncProperty(name, name, async (keyName, item) => {
        const key = keyOf(keyName);
        if (!wellFormed(key)) {
          expect(() => new Jobs(key)).to.throw(KeyError);
          expect(() => new Tasks(key)).to.throw(KeyError);
          return;
        }
        const jobs = new Jobs(key);
        const pile = new Pile(`${key}:pile`);
        const tasks = new Tasks(`${key}:tasks`);
        if (!wellFormed(item)) {
          expect(() => jobs.push(item)).to.throw(EncodeError);
          expect(() => tasks.push(item, 1)).to.throw(EncodeError);
          return;
        }
        expect(await jobs.push(item, 'second')).to.equal(2);
        expect(await jobs.pop()).to.equal(item);
        expect(await jobs.pop({ timeout: 100 })).to.equal('second');
        expect(await pile.push(item)).to.equal(1);
        expect(await pile.pop({ timeout: 100 })).to.equal(item);
        expect(await tasks.push(item, 1)).to.equal(true);
        expect(await tasks.pop({ timeout: 100 })).to.equal(item);
        expect(await target().raw('EXISTS', key)).to.equal(0);
      }),
      fuzz(100),
    );
  });

  it('Cache: any namespace and id; keys() and clear() stay inside the namespace', async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(name, name, name, async (prefix, space, id) => {
        const Entries = class Entries extends Cache<string> {
          static override CONNECTION = Main;
          static override PREFIX = `${uniq('c')}${prefix}`;
        };
        if (!wellFormed(`${Entries.PREFIX}:${space}`)) {
          expect(() => new Entries(space)).to.throw(KeyError, /lone UTF-16 surrogate/);
          return;
        }
        const cache = new Entries(space);
        if (!wellFormed(id)) {
          expect(() => cache.set(id, 'v')).to.throw(KeyError, /lone UTF-16 surrogate/);
          expect(() => cache.getOrSet(id, () => 'v')).to.throw(KeyError);
          return;
        }
        // A namespace that starts with this one's: never listed nor cleared with it.
        const Sibling = class Sibling extends Cache<string> {
          static override CONNECTION = Main;
          static override PREFIX = `${cache.key}x${id}`;
        };
        const sibling = new Sibling();
        await sibling.set(id, 'sibling');
        expect(await cache.set(id, 'v')).to.equal(true);
        expect(await target().raw('GET', `${cache.key}:${id}`)).to.equal('v');
        let computed = 0;
        const compute = () => {
          computed += 1;
          return 'w';
        };
        const [first, second] = await Promise.all([
          cache.getOrSet(`${id}2`, compute, { ttl: 60_000 }),
          cache.getOrSet(`${id}2`, compute, { ttl: 60_000 }),
        ]);
        expect([first, second, computed]).to.deep.equal(['w', 'w', 1]);
        expect((await cache.keys()).sort()).to.deep.equal([id, `${id}2`].sort());
        expect(await cache.keys({ match: '*' })).to.have.length(2);
        expect(await cache.clear()).to.equal(2);
        expect(await cache.keys()).to.deep.equal([]);
        expect(await sibling.get(id)).to.equal('sibling');
        await sibling.delete(id);
      }),
      // Braces that give no hash tag, or one: the getOrSet helper keys must share the slot.
      fuzz<[string, string, string]>(100, [
        ['}{', 'a', 'b'],
        ['{}', 'x', '}'],
        ['p', '{t}', '{}{'],
        ['*?[', '\\', '\0\n'],
      ]),
    );
  });
});
