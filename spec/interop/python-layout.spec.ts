import { expect } from 'chai';
import {
  DecodeError,
  Lock,
  Map as RMap,
  Pool,
  PriorityQueue,
  serializer,
  type Connection,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { connectionTo, modelClass, raw, rejects, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';
import { AncestorProgram, okOf, type AncestorCall, type AncestorResult } from './ancestor.js';

/**
 * The edges of the shared layout that the model × serializer table (python-models.spec.ts) does
 * not show: the ancestor's falsy quirk, JSON's stored forms, big numbers, priorities, key names,
 * and the Lock. One python3 process runs every Python call (in `before`).
 */
describe('Python interop: layout edges (python3 + redis-py)', function () {
  this.timeout(30_000);
  const program = new AncestorProgram();
  let server: RedisServer;
  let Main: typeof Connection;
  const py = (step: AncestorCall) => program.add(step);
  const ok = (get: () => AncestorResult) => okOf(get());

  // the ancestor's JSON Map given falsy values: '' is stored raw, the others refused by redis-py
  const falsyKey = uniq('py-falsy');
  const falsy = (
    [
      ['empty', ''],
      ['zero', 0],
      ['false', false],
      ['none', null],
      ['list', []],
      ['dict', {}],
    ] as const
  ).map(([name, value]) => ({
    name,
    value,
    result: py({
      model: 'Map',
      serializer: 'JSON',
      key: `${falsyKey}:${name}`,
      call: 'set',
      args: [value],
    }),
  }));

  // JSON stored forms: the same values pushed to a Pool by each side
  const formValues = [{ b: 1, a: [1, 2] }, 'ü', 'abc', 5, true];
  const pyPool = uniq('py-forms');
  const tsPool = uniq('ts-forms');
  formValues.forEach((v) =>
    py({ model: 'Pool', serializer: 'JSON', key: pyPool, call: 'push', args: [v] }),
  );
  const pyContainsOurs = formValues.map((v) =>
    py({ model: 'Pool', serializer: 'JSON', key: tsPool, call: 'contains', args: [v] }),
  );

  // numbers
  const bigNumeric = uniq('py-big');
  py({
    model: 'Map',
    serializer: 'Numeric',
    key: bigNumeric,
    call: 'set',
    args: [{ $int: '9223372036854775807' }],
  });
  const bigJson = uniq('py-bigjson');
  py({
    model: 'Map',
    serializer: 'JSON',
    key: bigJson,
    call: 'set',
    args: [{ $int: '9007199254740993' }],
  });
  const pyIncr = uniq('py-incr');
  py({ model: 'Map', serializer: 'Numeric', key: pyIncr, call: 'incr', args: [5] });
  const tsIncr = uniq('ts-incr');
  const pyReadsIncr = [
    py({ model: 'Map', serializer: 'Numeric', key: tsIncr, call: 'get' }),
    py({ model: 'Map', serializer: 'Numeric', key: tsIncr, call: 'decr', args: [2] }),
  ];

  // priorities: the ancestor stores int(priority)
  const priorities = uniq('py-prio');
  py({
    model: 'PriorityQueue',
    serializer: 'JSON',
    key: priorities,
    call: 'push',
    args: ['x', 2.7],
  });
  const tsPriorities = uniq('ts-prio');
  const pyPops = [1, 2, 3].map(() =>
    py({ model: 'PriorityQueue', serializer: 'JSON', key: tsPriorities, call: 'pop' }),
  );

  // key names: the ancestor has no PREFIX; it names our `PREFIX:name` key in full
  const prefixed = uniq('name');
  const pyReadsPrefixed = py({
    model: 'Map',
    serializer: 'String',
    key: `app:${prefixed}`,
    call: 'get',
  });

  // Lock: held by Python (with and without expiry), held by us
  const pyHeld = uniq('py-lock');
  const pyHeldForever = uniq('py-lock-forever');
  const tsHeld = uniq('ts-lock');
  const pyAcquired = [
    py({ model: 'Lock', key: pyHeld, call: 'acquire', args: [30] }),
    py({ model: 'Lock', key: pyHeldForever, call: 'acquire' }),
  ];
  const pySeesOurs = [
    py({ model: 'Lock', key: tsHeld, call: 'acquire', args: [30] }),
    py({ model: 'Lock', key: tsHeld, call: 'exists' }),
  ];

  const Locks = () => modelClass(Lock, Main, undefined, 'Locks');
  let ourLock: Lock;

  before(async function () {
    this.timeout(60_000);
    server = await standalone();
    Main = connectionTo(server);
    await new (modelClass(Pool<unknown>, Main, serializer.JSON))(tsPool).pushMany(formValues);
    await new (modelClass(RMap<number>, Main, serializer.Numeric))(tsIncr).incr(7);
    await new (modelClass(PriorityQueue<string>, Main, serializer.JSON))(tsPriorities).pushMany([
      ['late', 3],
      ['first', 1.5],
      ['second', 2.25],
    ]);
    const Prefixed = class extends modelClass(RMap<string>, Main, serializer.String) {
      static override PREFIX = 'app';
    };
    await new Prefixed(prefixed).set('prefixed');
    ourLock = new (Locks())(tsHeld);
    expect(await ourLock.acquire({ ttl: 30_000 })).to.equal(true);
    await program.run(server.url);
  });

  it("the ancestor stores a falsy JSON value raw: 0 reads as 0, '' as ''", async () => {
    const [empty, zero, ...refused] = falsy;
    expect(ok(empty!.result)).to.equal(true);
    expect(ok(zero!.result)).to.equal(true);
    for (const { result } of refused)
      expect(result())
        .to.have.property('error')
        .that.matches(/^DataError/);
    const Json = modelClass(RMap<unknown>, Main, serializer.JSON);
    expect(await new Json(`${falsyKey}:zero`).get()).to.equal(0);
    expect(await raw(server, 'GET', `${falsyKey}:empty`)).to.equal('');
    expect(await new Json(`${falsyKey}:empty`).get()).to.equal('');
  });

  it('JSON stored forms differ for objects and non-ASCII text, so membership matches only for the rest', async () => {
    const forms = (key: string) => raw(server, 'SMEMBERS', key).then((m) => (m as string[]).sort());
    expect(await forms(pyPool)).to.deep.equal(
      ['"\\u00fc"', '"abc"', '5', '{"b": 1, "a": [1, 2]}', 'true'].sort(),
    );
    expect(await forms(tsPool)).to.deep.equal(
      ['"ü"', '"abc"', '5', '{"b":1,"a":[1,2]}', 'true'].sort(),
    );
    const theirs = new (modelClass(Pool<unknown>, Main, serializer.JSON))(pyPool);
    const same = [false, false, true, true, true];
    expect(await theirs.containsMany(formValues)).to.deep.equal(same);
    expect(pyContainsOurs.map(ok)).to.deep.equal(same);
  });

  it('Numeric reads only safe integers; JSON rounds integers beyond 2^53', async () => {
    await rejects(
      () => new (modelClass(RMap<number>, Main, serializer.Numeric))(bigNumeric).get(),
      DecodeError,
    );
    expect(await new (modelClass(RMap<number>, Main, serializer.JSON))(bigJson).get()).to.equal(
      2 ** 53,
    );
    expect(await raw(server, 'GET', bigJson)).to.equal('9007199254740993');
  });

  it('Map counts with INCRBY/DECRBY on both sides', async () => {
    expect(await new (modelClass(RMap<number>, Main, serializer.Numeric))(pyIncr).get()).to.equal(
      5,
    );
    expect(pyReadsIncr.map(ok)).to.deep.equal([7, 5]);
  });

  it('PriorityQueue: lowest score first on both sides; the ancestor truncates priorities', async () => {
    const queue = new (modelClass(PriorityQueue<string>, Main, serializer.JSON))(priorities);
    expect(await queue.priorityOf('x')).to.equal(2);
    expect(pyPops.map(ok)).to.deep.equal(['first', 'second', 'late']);
  });

  it('key names: our PREFIX:name key is the full key a Python model names', () => {
    expect(ok(pyReadsPrefixed)).to.equal('prefixed');
  });

  it('a lock held by Python counts as held for us, and we never delete it', async () => {
    expect(pyAcquired.map(ok)).to.deep.equal([true, true]);
    const theirs = new (Locks())(pyHeld);
    expect(await theirs.locked()).to.equal(true);
    expect(await theirs.acquire()).to.equal(false);
    expect(await theirs.release()).to.equal(false);
    expect(await raw(server, 'GET', pyHeld)).to.equal('');
    expect(await theirs.pttl()).to.be.within(1, 30_000);
    const forever = new (Locks())(pyHeldForever);
    expect(await forever.acquire()).to.equal(false);
    expect(await forever.pttl()).to.equal(Infinity);
    expect(await raw(server, 'EXISTS', pyHeldForever)).to.equal(1);
  });

  it('a lock held by us is seen as held by Python, and stays ours', async () => {
    expect(pySeesOurs.map(ok)).to.deep.equal([false, true]);
    expect(await ourLock.owned()).to.equal(true);
  });
});
