import { expect } from 'chai';
import fc from 'fast-check';
import {
  ArgumentError,
  Cache,
  HashMap,
  Lock,
  Map as RMap,
  Pool,
  PriorityQueue,
  Queue,
  SortedSet,
  Stack,
  serializer,
} from '../../src/index.js';
import { Connection as Base, type Connection } from '../../src/index.js';
import { modelClass, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { fuzz } from './fuzz-support.js';

/**
 * Fuzzing the options objects of every public method that takes one, as plain JavaScript
 * would call them: the options argument may be anything (`cache.set(id, value, 3600000)`,
 * `null`, a string, an array...) and each field of any type.
 *
 * The rule (docs/errors.md): anything but `undefined` or an object is an `ArgumentError` naming
 * the model, the key and the method's signature, thrown synchronously, before anything is sent;
 * so is an unknown option name and a field of the wrong type or out of its domain. Options that
 * pass these checks are accepted and the call works. An oracle written from the documented
 * domains decides which is which; the call must agree, input by input.
 */

/** How one option is checked: values of its domain, and whether a value is in it. */
interface Field {
  readonly valid: fc.Arbitrary<unknown>;
  readonly ok: (value: unknown) => boolean;
}

const flag: Field = { valid: fc.boolean(), ok: (v) => typeof v === 'boolean' };
const ms: Field = {
  valid: fc.integer({ min: 1, max: 10_000_000 }),
  ok: (v) => Number.isSafeInteger(v) && (v as number) > 0,
};
const cacheTtl: Field = {
  valid: fc.oneof(ms.valid, fc.constant(Infinity)),
  ok: (v) => v === Infinity || ms.ok(v),
};
const positive: Field = {
  valid: fc.integer({ min: 1, max: 1000 }),
  ok: (v) => Number.isSafeInteger(v) && (v as number) >= 1,
};
const nonNegative: Field = {
  valid: fc.nat(100),
  ok: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
};
const match: Field = {
  valid: fc.constantFrom('*', 'a*', 'f?', '[ab]*', 'é*'),
  ok: (v) => typeof v === 'string' && wellFormed(v),
};
const cacheMatch: Field = { valid: match.valid, ok: (v) => match.ok(v) && v !== '' };

/** Whether UTF-8 keeps `text` (no lone surrogate). */
const wellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

/** A SCAN count of the Cache walks: not too small, so a walk stays a few round trips. */
const scanCount: Field = { valid: fc.integer({ min: 100, max: 1000 }), ok: positive.ok };

/** One method that takes an options object. */
interface Case {
  /** As errors name it: `Cache.set(id, value, options)`. */
  readonly title: string;
  readonly fields: Readonly<Record<string, Field>>;
  /** Rules across fields (SortedSet's flags that exclude each other...). */
  readonly across?: (options: Record<string, unknown>) => boolean;
  /** A string instead of options (Cache.keys('user:*')): whether it is valid. */
  readonly text?: (value: string) => boolean;
  /** A fresh model handle and the call with `options` (a promise or an async generator). */
  readonly make: () => { model: { key: string; modelName: string }; call(o: unknown): unknown };
}

let Main: typeof Connection;
let server: RedisServer;

/**
 * The Connection of this file: database 13 of the standalone server, which no other spec uses,
 * so the SCAN walks of Cache.keys/clear see only the few keys written here.
 */
async function connect(): Promise<void> {
  server = await standalone();
  Main ??= class FuzzOptions extends Base {
    static override MASTER = `${server.url}/13`;
  };
}

/** Values of every JavaScript type, for the options argument and for each field. */
const anyValue = fc.oneof(
  fc.anything({ maxDepth: 1, withBigInt: true, withNullPrototype: true }),
  fc.constantFrom(NaN, -1, 0, -0, 1.5, Infinity, -Infinity, 2 ** 53, 1e300, '10', 'true', null),
  fc.constantFrom(Symbol('s'), () => 1, [], [1, 2], new Date(0), new globalThis.Map()),
);

const cases: Case[] = [
  {
    title: 'Map.set(value, options)',
    fields: { ttl: ms, ifAbsent: flag },
    make() {
      const model = new (modelClass(RMap<string>, Main, undefined, 'Setting'))(uniq());
      return { model, call: (o) => model.set('v', o as never) };
    },
  },
  {
    title: 'HashMap.set(field, value, options)',
    fields: { ifAbsent: flag },
    make() {
      const model = new (modelClass(HashMap<string>, Main, undefined, 'Carts'))(uniq());
      return { model, call: (o) => model.set('f', 'v', o as never) };
    },
  },
  ...(['HashMap', 'Pool', 'SortedSet'] as const).map((name): Case => ({
    title: `${name}.scan(options)`,
    fields: { match, count: positive },
    make() {
      const Base = { HashMap, Pool, SortedSet }[name];
      const model = new (modelClass(Base, Main, undefined, `Scanned${name}`))(uniq());
      return { model, call: (o) => model.scan(o as never) };
    },
  })),
  ...(['add', 'addMany'] as const).map((method): Case => ({
    title: `SortedSet.${method}(${method === 'add' ? 'element, score' : 'entries'}, options)`,
    fields: { ifAbsent: flag, ifGreater: flag, ifLess: flag },
    across: (o) => !(o.ifGreater && o.ifLess) && !(o.ifAbsent && (o.ifGreater || o.ifLess)),
    make() {
      const model = new (modelClass(SortedSet<string>, Main, undefined, 'Board'))(uniq());
      return {
        model,
        call: (o) =>
          method === 'add' ? model.add('a', 1, o as never) : model.addMany([['a', 1]], o as never),
      };
    },
  })),
  {
    title: 'SortedSet.members(options)',
    fields: { withScores: flag },
    make() {
      const model = new (modelClass(SortedSet<string>, Main, undefined, 'Board'))(uniq());
      return { model, call: (o) => model.members(o as never) };
    },
  },
  {
    title: 'SortedSet.top(count, options)',
    fields: { withScores: flag },
    make() {
      const model = new (modelClass(SortedSet<string>, Main, undefined, 'Board'))(uniq());
      return { model, call: (o) => model.top(3, o as never) };
    },
  },
  {
    title: 'SortedSet.membersByScore(min, max, options)',
    fields: { withScores: flag, reverse: flag, offset: nonNegative, count: nonNegative },
    make() {
      const model = new (modelClass(SortedSet<string>, Main, undefined, 'Board'))(uniq());
      return { model, call: (o) => model.membersByScore(0, '+inf', o as never) };
    },
  },
  {
    title: 'Model.rename(newKey, options)',
    fields: { overwrite: flag },
    make() {
      const model = new (modelClass(RMap<string>, Main, undefined, 'Renamed'))(uniq());
      return { model, call: (o) => model.rename(uniq(), o as never) };
    },
  },
  {
    title: 'Cache.set(id, value, options)',
    fields: { ttl: cacheTtl, ifAbsent: flag },
    make() {
      const cache = new (cacheClass())(uniq());
      const id = uniq('id');
      return { model: entryOf(cache, id), call: (o) => cache.set(id, 'v', o as never) };
    },
  },
  {
    title: 'Cache.getOrSet(id, compute, options)',
    fields: { ttl: cacheTtl, lockTtl: ms },
    make() {
      const cache = new (cacheClass())(uniq());
      const id = uniq('id');
      return { model: entryOf(cache, id), call: (o) => cache.getOrSet(id, () => 'v', o as never) };
    },
  },
  ...(['keys', 'scan'] as const).map((method): Case => ({
    title: `Cache.${method}(options)`,
    fields: { match: cacheMatch, count: scanCount },
    text: method === 'keys' ? (s) => s !== '' && wellFormed(s) : undefined,
    make() {
      const cache = new (cacheClass())(uniq());
      return { model: cache, call: (o) => cache[method](o as never) };
    },
  })),
  {
    title: 'Cache.clear(options)',
    fields: { count: scanCount, wholeDatabase: flag },
    across: (o) => o.wholeDatabase !== true, // a cache with a namespace refuses it
    make() {
      const cache = new (cacheClass())(uniq());
      return { model: cache, call: (o) => cache.clear(o as never) };
    },
  },
];

function cacheClass() {
  return class Entries extends Cache<string> {
    static override CONNECTION = Main;
    static override PREFIX = 'fuzz-options';
  };
}

/** What errors about entry `id` of `cache` name: the model and the entry's key. */
function entryOf(cache: Cache<string>, id: string): { key: string; modelName: string } {
  return { key: `${cache.key}:${id}`, modelName: cache.modelName };
}

/** Whether `options` passes the documented checks of `c` (the oracle). */
function accepted(c: Case, options: unknown): boolean {
  if (options === undefined) return true;
  if (typeof options === 'string' && c.text) return c.text(options);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return false;
  const given = options as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    const field = c.fields[name];
    if (!Object.hasOwn(c.fields, name)) return false;
    if (given[name] !== undefined && !field.ok(given[name])) return false;
  }
  return c.across ? c.across(given) : true;
}

/** Runs a call that was accepted to its end: awaits its promise, drains its generator. */
async function settle(result: unknown): Promise<void> {
  if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
    for await (const _ of result as AsyncIterable<unknown>);
  } else {
    await result;
  }
}

/**
 * What a pop returns, or the first item of a `consume()` loop (which then ends: without a
 * timeout it would wait for more forever). Thrown synchronously as the call throws.
 */
function first(result: unknown): unknown {
  if (result !== null && typeof result === 'object' && Symbol.asyncIterator in result) {
    return (async () => {
      for await (const item of result as AsyncIterable<unknown>) return item;
      return undefined;
    })();
  }
  return result;
}

/** Options for case `c`: anything at all, or an object with valid, wrong and unknown fields. */
function optionsFor(c: Case): fc.Arbitrary<unknown> {
  const fields = Object.fromEntries(
    Object.entries(c.fields).map(([name, field]) => [
      name,
      fc.oneof({ weight: 5, arbitrary: field.valid }, { weight: 1, arbitrary: anyValue }),
    ]),
  );
  const object = fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.constantFrom('TTL', 'ttl ', 'timeout', 'expire', 'nx', '__proto__'), {
        freq: 5,
      }),
      anyValue,
    )
    .map(([given, unknown, value]) => {
      if (unknown === null) return given;
      return Object.defineProperty({ ...given }, unknown, { value, enumerable: true });
    });
  return fc.oneof(
    { weight: 2, arbitrary: object },
    { weight: 1, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.string({ maxLength: 8 })) },
  );
}

/** Runs `call(options)` and checks it against the oracle; returns whether it was refused. */
async function check(c: Case, options: unknown): Promise<boolean> {
  const { model, call } = c.make();
  let result: unknown;
  try {
    result = call(options);
  } catch (error) {
    expect(error, `${c.title} with ${show(options)}: ${String(error)}`).to.be.instanceOf(
      ArgumentError,
    );
    expect(accepted(c, options), `${c.title} refused ${show(options)}: ${String(error)}`).to.be
      .false;
    const message = (error as ArgumentError).message;
    expect(message).to.include(model.modelName).and.include(model.key);
    expect((error as ArgumentError).key).to.equal(model.key);
    expect((error as ArgumentError).model).to.equal(model.modelName);
    if (options === null || (typeof options !== 'object' && typeof options !== 'string')) {
      expect(message).to.match(/options (must be an|object)/);
    }
    return true;
  }
  expect(accepted(c, options), `${c.title} accepted ${show(options)}`).to.be.true;
  await settle(result);
  return false;
}

function show(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch {
    return typeof value;
  }
}

describe('fuzz: options objects of every model method', function () {
  this.timeout(60_000);

  before(connect);
  after(() => Main.close());

  for (const c of cases) {
    it(`${c.title}: anything but an object is an ArgumentError, thrown before sending`, async () => {
      let refused = 0;
      let taken = 0;
      await fc.assert(
        fc.asyncProperty(optionsFor(c), async (options) => {
          if (await check(c, options)) refused += 1;
          else taken += 1;
        }),
        fuzz(300),
      );
      // Both sides of the rule were exercised.
      expect(refused, 'refused inputs').to.be.greaterThan(10);
      expect(taken, 'accepted inputs').to.be.greaterThan(10);
    });
  }

  it('cache.set(id, value, 3600000) from plain JavaScript: refused, the entry untouched', async () => {
    const cache = new (cacheClass())(uniq());
    await cache.set('u1', 'old', { ttl: 60_000 });
    const set = cache.set as (id: string, value: string, options: unknown) => Promise<boolean>;
    expect(() => set.call(cache, 'u1', 'new', 3_600_000)).to.throw(
      ArgumentError,
      /Entries "fuzz-options:.*:u1": set\(id, value, options\): options must be an object like \{ ttl, ifAbsent \}, got a number \(3600000\); write \{ ttl: 3600000 \}/,
    );
    expect(await cache.get('u1')).to.equal('old');
    expect(await cache.pttl('u1')).to.be.within(1, 60_000);
  });
});

/**
 * The methods whose options are checked in files of the blocking pops and the lock: enabled
 * once those checks are in (see the fuzz report); until then, each is listed with what it does.
 */
describe('fuzz: options of the blocking pops and the lock', function () {
  this.timeout(60_000);

  before(connect);
  after(() => Main.close());

  const popTimeout: Field = {
    valid: fc.integer({ min: 1, max: 20 }),
    ok: (v) => Number.isSafeInteger(v) && (v as number) >= 0,
  };
  const signal: Field = {
    valid: fc.constant(null).map(() => new AbortController().signal),
    ok: (v) => v instanceof AbortSignal,
  };
  const reconnectFor: Field = { valid: fc.nat(1_000), ok: popTimeout.ok };
  const onError: Field = {
    valid: fc.constant(() => undefined),
    ok: (v) => typeof v === 'function',
  };
  /** The options of `pop(options)`, and those of `consume(options)`. */
  const popFields = (method: string): Record<string, Field> =>
    method === 'consume'
      ? { timeout: popTimeout, signal, reconnectFor, onError }
      : { timeout: popTimeout, signal };
  const popWhy = 'unknown names refused, the signal an AbortSignal';
  const blocking: Array<Case & { why: string }> = [
    ...(['Queue', 'Stack'] as const).flatMap((name) =>
      (['pop', 'consume'] as const).map((method): Case & { why: string } => ({
        title: `${name}.${method}(options)`,
        why: popWhy,
        fields: popFields(method),
        across: method === 'pop' ? (o) => o.timeout !== undefined : undefined,
        make() {
          const Base = { Queue, Stack }[name];
          const model = new (modelClass(Base<string>, Main, serializer.JSON, name))(uniq());
          void model.push('x'); // an accepted pop or loop without limit then ends
          return { model, call: (o) => first(model[method](o as never)) };
        },
      })),
    ),
    ...(['pop', 'popWithPriority', 'consume'] as const).map((method): Case & { why: string } => ({
      title: `PriorityQueue.${method}(options)`,
      why: popWhy,
      fields: popFields(method),
      across: method === 'consume' ? undefined : (o) => o.timeout !== undefined,
      make() {
        const model = new (modelClass(PriorityQueue<string>, Main, undefined, 'Tasks'))(uniq());
        void model.push('x', 1); // an accepted pop or loop without limit then ends
        return { model, call: (o) => first(model[method](o as never)) };
      },
    })),
    ...(['acquire', 'using'] as const).map((method): Case & { why: string } => ({
      title: `Lock.${method}(options)`,
      why: 'acquire(5000) is not a ttl; using() checks synchronously',
      fields: { ttl: ms, wait: { ...ms, ok: (v) => v === 0 || ms.ok(v) }, signal },
      make() {
        const model = new (modelClass(Lock, Main, undefined, 'Jobs'))(uniq());
        return {
          model,
          call: (o) =>
            method === 'acquire' ? model.acquire(o as never) : model.using(() => 1, o as never),
        };
      },
    })),
  ];
  for (const c of blocking) {
    it(`${c.title}: anything but an object is an ArgumentError (${c.why})`, async () => {
      await fc.assert(
        fc.asyncProperty(optionsFor(c), async (options) => {
          await check(c, options);
        }),
        fuzz(200),
      );
    });
  }
});
