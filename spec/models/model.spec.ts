import { expect } from 'chai';
import {
  ArgumentError,
  ConfigError,
  type Connection,
  Counter,
  CrossSlotError,
  DecodeError,
  EncodeError,
  KeyError,
  Map as RMap,
  model,
  serializer,
  WrongTypeError,
} from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import { countArg, integerArg, msArg } from '../../src/models/args.js';
import { Handle } from '../../src/models/handle.js';
import { rejects, uniq } from '../support/helpers.js';
import { clientsNamed, onEachTopology } from '../support/targets.js';

onEachTopology('Model', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  describe('keys and configuration', () => {
    it('throws KeyError before any network call when there is no key', async () => {
      const Lonely = target().namedConnection();
      class Nameless extends Counter {
        static override CONNECTION = Lonely;
      }
      const error = await rejects(() => new Nameless(), KeyError, /no key name/);
      expect(error.model).to.equal('Nameless');
      expect(() => new Nameless('')).to.throw(KeyError);
      expect(await clientsNamed(target(), Lonely.clientName)).to.equal(0);
      // The count can fail: the same connection does show up once it is used.
      await new Nameless(uniq()).incr();
      expect(await clientsNamed(target(), Lonely.clientName)).to.be.at.least(1);
    });

    it('supports singletons: a subclass with KEY and the parent with the same name share a key', async () => {
      const key = uniq('site');
      class Visitors extends Counter {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.Numeric;
      }
      class SiteVisitors extends Visitors {
        static override KEY = key;
      }
      expect(await new SiteVisitors().incr()).to.equal(1);
      expect(await new Visitors(key).get()).to.equal(1);
      expect(await target().raw('GET', key)).to.equal('1');
    });

    it('joins PREFIX with ":" and stores the exact key', async () => {
      const name = uniq();
      class Cache extends RMap {
        static override CONNECTION = Main;
        static override PREFIX = 'MY_APP:MY_CACHE';
      }
      const value = new Cache(name);
      expect(value.key).to.equal(`MY_APP:MY_CACHE:${name}`);
      await value.set('v');
      expect(await target().raw('GET', `MY_APP:MY_CACHE:${name}`)).to.equal('v');
    });

    it('decorator and static configuration mix through inheritance', async () => {
      @model({ connection: Main, serializer: serializer.JSON, prefix: 'deco' })
      class Base extends RMap<unknown> {}
      class Child extends Base {
        static override PREFIX = 'child';
      }
      @model({ serializer: serializer.String })
      class Grandchild extends Child {}
      class Static extends RMap<unknown> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.JSON;
        static override PREFIX = 'deco';
      }
      const name = uniq();
      await new Base(name).set({ a: 1 });
      expect(await target().raw('GET', `deco:${name}`)).to.equal('{"a":1}');
      expect(await new Static(name).get()).to.deep.equal({ a: 1 });
      await new Child(name).set([1]);
      expect(await target().raw('GET', `child:${name}`)).to.equal('[1]');
      await new Grandchild(name).set('plain');
      expect(await target().raw('GET', `child:${name}`)).to.equal('plain');
      expect(Base.PREFIX).to.equal('deco');
      expect(Grandchild.SERIALIZER).to.equal(serializer.String);
      expect(Child.SERIALIZER).to.equal(serializer.JSON);
    });

    it('a constructor key wins over the class KEY', async () => {
      class Fixed extends Counter {
        static override CONNECTION = Main;
        static override KEY = uniq('fixed');
      }
      const other = uniq();
      await new Fixed(other).incr(7);
      expect(await target().raw('GET', other)).to.equal('7');
      expect(await target().raw('EXISTS', Fixed.KEY!)).to.equal(0);
    });

    it('a model without CONNECTION fails with a ConfigError naming it', async () => {
      class Orphan extends Counter {}
      await rejects(() => new Orphan('x').incr(), ConfigError, /Orphan.*CONNECTION/);
    });
  });

  describe('key operations', () => {
    class Value extends RMap {
      static override get CONNECTION() {
        return Main;
      }
      static override EXPIRE = 100;
    }
    class NoDefault extends RMap {
      static override get CONNECTION() {
        return Main;
      }
    }

    it('exists / delete', async () => {
      const value = new Value(uniq());
      expect(await value.exists()).to.equal(false);
      expect(await value.delete()).to.equal(false);
      await value.set('x');
      expect(await value.exists()).to.equal(true);
      expect(await value.delete()).to.equal(true);
      expect(await value.exists()).to.equal(false);
    });

    it('expire / ttl / persist count in seconds', async () => {
      const value = new Value(uniq());
      expect(await value.ttl()).to.equal(null);
      expect(await value.expire(10)).to.equal(false);
      await value.set('x');
      expect(await value.ttl()).to.equal(Infinity);
      expect(await value.expire(10)).to.equal(true);
      expect(await value.ttl()).to.be.within(9, 10);
      expect(await value.expire()).to.equal(true);
      expect(await value.ttl()).to.be.within(99, 100);
      expect(await value.persist()).to.equal(true);
      expect(await value.ttl()).to.equal(Infinity);
      expect(await value.persist()).to.equal(false);
      await rejects(() => new NoDefault(uniq()).expire(), ConfigError, /EXPIRE/);
    });

    it('rename: false when missing, moves the value, respects overwrite: false', async () => {
      // A shared hash tag: a cluster renames only within one slot.
      const tag = `{${uniq('tag')}}`;
      const from = `${tag}:from`;
      const to = `${tag}:to`;
      const value = new Value(from);
      expect(await value.rename(to)).to.equal(false);
      await value.set('moved');
      expect(await value.rename(to)).to.equal(true);
      expect(await new Value(to).get()).to.equal('moved');
      expect(await value.exists()).to.equal(false);
      await value.set('again');
      expect(await value.rename(to, { overwrite: false })).to.equal(false);
      expect(await new Value(to).get()).to.equal('moved');
      expect(await target().raw('GET', from)).to.equal('again');
    });

    it('rename to a key in another slot: done on a standalone server, a CrossSlotError on a cluster', async () => {
      const from = uniq('from');
      let to = uniq('to');
      while (slotOf(to) === slotOf(from)) to = uniq('to');
      const value = new Value(from);
      await value.set('here');
      if (target().kind === 'cluster') {
        await rejects(() => value.rename(to), CrossSlotError, /hash slot/);
        await rejects(() => value.rename(to, { overwrite: false }), CrossSlotError);
        expect(await target().raw('GET', from)).to.equal('here');
        expect(await target().raw('EXISTS', to)).to.equal(0);
      } else {
        expect(await value.rename(to)).to.equal(true);
        expect(await target().raw('GET', to)).to.equal('here');
        expect(await target().raw('EXISTS', from)).to.equal(0);
      }
    });
  });

  describe('handles and their copies', () => {
    it('a Model is a Handle with the key operations; a user subclass keeps working', async () => {
      class Hits extends Counter {
        static override CONNECTION = Main;
      }
      const hits = new Hits(uniq('hits'));
      expect(hits).to.be.instanceOf(Handle);
      for (const method of ['exists', 'delete', 'expire', 'ttl', 'persist', 'rename']) {
        expect(typeof (hits as unknown as Record<string, unknown>)[method], method).to.equal(
          'function',
        );
      }
      expect(await hits.incr(3)).to.equal(3);
      expect(await hits.expire(60)).to.equal(true);
      expect(await hits.ttl()).to.be.within(59, 60);
    });

    it('copies made by in(batch) and fromMaster() are constructed: #private members work on them', async () => {
      class Stepper extends Counter {
        static override CONNECTION = Main;
        /** An ordinary field: its value is copied onto the copies. */
        step = 1;
        /** A #private field: it exists on a copy as the constructor initialises it. */
        #calls = 0;
        bump(): Promise<number> {
          this.#calls += 1;
          return this.incr(this.#by());
        }
        get calls(): number {
          return this.#calls;
        }
        #by(): number {
          return this.step;
        }
      }
      // Stepper has no KEY: a copy, constructed without arguments, must not ask for one.
      const stepper = new Stepper(uniq('step'));
      stepper.step = 5;
      const batched = await Main.pipeline((p) => {
        const copy = stepper.in(p);
        return [copy.bump(), copy.bump()];
      });
      expect(batched).to.deep.equal([5, 10]);
      const master = stepper.fromMaster();
      expect(master).to.be.instanceOf(Stepper);
      expect(master.key).to.equal(stepper.key);
      expect(await master.bump()).to.equal(15);
      expect([stepper.calls, master.calls]).to.deep.equal([0, 1]);
      expect(await new Stepper(stepper.key).get()).to.equal(15);
    });
  });

  describe('errors name the model and the key', () => {
    it('wrong Redis type', async () => {
      const key = uniq();
      await target().raw('LPUSH', key, 'x');
      class Hits extends Counter {
        static override CONNECTION = Main;
      }
      const error = await rejects(() => new Hits(key).incr(), WrongTypeError);
      expect(error.model).to.equal('Hits');
      expect(error.key).to.equal(key);
      expect(error.message).to.include('Hits').and.include(key);
    });

    it('a value the serializer cannot encode, and null, are EncodeErrors; nothing is written', async () => {
      class Json extends RMap<unknown> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.JSON;
      }
      const key = uniq();
      const error = await rejects(() => new Json(key).set(10n), EncodeError, /JSON/);
      expect(error.message).to.include('Json').and.include(key);
      await rejects(() => new Json(key).set(null), EncodeError, /absent/);
      await rejects(() => new Json(key).set(undefined), EncodeError);
      expect(await target().raw('EXISTS', key)).to.equal(0);
    });

    it('a corrupt stored value is a DecodeError and stays stored', async () => {
      class Json extends RMap<unknown> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.JSON;
      }
      const key = uniq();
      await target().raw('SET', key, '{not json');
      const error = await rejects(() => new Json(key).get(), DecodeError);
      expect(error.message).to.include('Json').and.include(key);
      expect(await target().raw('GET', key)).to.equal('{not json');
    });
  });
});

describe('argument checks (models/args)', () => {
  const context = { model: 'Hits', key: 'app:hits' };

  it('integerArg: safe integers only, as Redis reads them', () => {
    expect(integerArg(-7, 'by', context)).to.equal('-7');
    expect(() => integerArg(1.5, 'by', context)).to.throw(
      ArgumentError,
      /by must be a safe integer/,
    );
    expect(() => integerArg(2 ** 53, 'by', context)).to.throw(ArgumentError);
  });

  it('msArg: positive integers of milliseconds', () => {
    expect(msArg(250, 'ttl', context)).to.equal('250');
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      expect(() => msArg(bad, 'ttl', context), String(bad)).to.throw(ArgumentError, /milliseconds/);
    }
  });

  it('countArg: one rule for counts, non-negative by default, positive with min 1', () => {
    expect(countArg(0, 'count', context)).to.equal(0);
    expect(countArg(3, 'offset', context)).to.equal(3);
    expect(() => countArg(-1, 'size', context)).to.throw(
      ArgumentError,
      /size must be a non-negative integer/,
    );
    expect(() => countArg(0, 'count', context, 1)).to.throw(ArgumentError, /positive integer/);
    expect(countArg(1, 'count', context, 1)).to.equal(1);
    const error = (() => {
      try {
        countArg(2.5, 'count', context);
      } catch (caught) {
        return caught as ArgumentError;
      }
      throw new Error('no error');
    })();
    expect(error.model).to.equal('Hits');
    expect(error.key).to.equal('app:hits');
    expect(error.message).to.include('Hits "app:hits"');
  });
});
