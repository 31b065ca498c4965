import { expect } from 'chai';
import { serializer } from '../../../src/index.js';
import { SerializationFailure } from '../../../src/serializers/serializer.js';
import { runPython } from '../../support/python.js';

/** One case: a JS value, and a Python expression on `x` (the unpickled value) that must hold. */
type Case = [name: string, value: unknown, check: string];

const cyclic: unknown[] = [];
cyclic.push(cyclic);
const shared = { a: 1 };
const cyclicObject: Record<string, unknown> = {};
cyclicObject.self = cyclicObject;

const CASES: Case[] = [
  ['null', null, 'same(x, None)'],
  ['booleans', [true, false], 'same(x, [True, False])'],
  [
    'ints',
    [0, 255, 256, 65535, 65536, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1],
    'same(x, [0, 255, 256, 65535, 65536, -1, 2**31 - 1, -2**31, 2**31, 2**53 - 1])',
  ],
  [
    'bigints',
    [2n ** 70n, -(2n ** 70n), -(2n ** 63n), 5n, -128n, 255n, 10n ** 700n],
    'same(x, [2**70, -2**70, -2**63, 5, -128, 255, 10**700])',
  ],
  ['floats', [1.5, -0, 2 ** 53, 1e300, 5e-324], 'same(x, [1.5, -0.0, 2.0**53, 1e300, 5e-324])'],
  [
    'float specials',
    [NaN, Infinity, -Infinity],
    'math.isnan(x[0]) and x[1:] == [math.inf, -math.inf]',
  ],
  ['str', 'é\u1234\u{1F600}\n\\ \x00', "same(x, 'é\\u1234\\U0001F600\\n\\\\ \\x00')"],
  ['long str', 'a'.repeat(70_000), "same(x, 'a' * 70000)"],
  ['bytes', Buffer.from([0, 255, 10]), "same(x, b'\\x00\\xff\\n')"],
  ['long bytes', Buffer.alloc(300, 7), "same(x, b'\\x07' * 300)"],
  ['Uint8Array', new Uint8Array([1, 2]), "same(x, b'\\x01\\x02')"],
  ['list', [1, 'a', null, [[]]], "same(x, [1, 'a', None, [[]]])"],
  ['big list', Array.from({ length: 2500 }, (_, i) => i), 'same(x, list(range(2500)))'],
  [
    'object',
    { a: 1, b: { c: [true] }, __proto__x: 2 },
    "same(x, {'a': 1, 'b': {'c': [True]}, '__proto__x': 2})",
  ],
  ['undefined property skipped', { a: 1, b: undefined }, "same(x, {'a': 1})"],
  [
    'Map',
    new Map<unknown, unknown>([
      [1, 'one'],
      ['s', 2],
      [[1, 2], 3],
      [null, 4],
    ]),
    "same(x, {1: 'one', 's': 2, (1, 2): 3, None: 4})",
  ],
  [
    'big Map',
    new Map(Array.from({ length: 1500 }, (_, i) => [i, String(i)])),
    'same(x, {i: str(i) for i in range(1500)})',
  ],
  ['Set', new Set([1, 'a', [1, 2], new Set([3])]), "same(x, {1, 'a', (1, 2), frozenset([3])})"],
  ['empty Set', new Set(), 'same(x, set())'],
  [
    'Date',
    new Date('2020-01-02T03:04:05.678Z'),
    'same(x, datetime.datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)) and x.tzinfo is datetime.timezone.utc',
  ],
  [
    'old Date',
    new Date('0001-01-01T00:00:00.000Z'),
    'same(x, datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc))',
  ],
  ['shared', [shared, shared], 'x[0] is x[1] and same(x[0], {"a": 1})'],
  ['cyclic list', cyclic, 'len(x) == 1 and x[0] is x'],
  ['cyclic object', cyclicObject, "x['self'] is x"],
  [
    'null-prototype object',
    Object.assign(Object.create(null) as object, { k: 'v' }),
    "same(x, {'k': 'v'})",
  ],
];

const CHECK = `
import datetime, json, math, pickle, sys
def same(a, b):
    if type(a) is not type(b): return False
    if isinstance(a, float): return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)): return len(a) == len(b) and all(same(p, q) for p, q in zip(a, b))
    if isinstance(a, dict): return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b
out = []
for line in sys.stdin:
    case = json.loads(line)
    x = pickle.loads(bytes.fromhex(case['hex']))
    ok = eval(case['check'], {'same': same, 'datetime': datetime, 'math': math, 'x': x})
    out.append([case['name'], bool(ok), repr(x)[:200]])
print(json.dumps(out))
`;

describe('Pickle: what we write, python3 reads', () => {
  it('writes protocol 3', () => {
    expect([...(serializer.Pickle.encode(null) as Buffer)]).to.deep.equal([0x80, 3, 0x4e, 0x2e]);
  });

  it('every value type reads back in Python as the expected value', async function () {
    this.timeout(60_000);
    const stdin = CASES.map(([name, value, check]) =>
      JSON.stringify({
        name,
        check,
        hex: (serializer.Pickle.encode(value) as Buffer).toString('hex'),
      }),
    ).join('\n');
    const { stdout } = await runPython(CHECK, { stdin });
    const results = JSON.parse(stdout.toString('utf8')) as Array<[string, boolean, string]>;
    expect(results).to.have.length(CASES.length);
    for (const [name, ok, repr] of results)
      expect(ok, `${name}: python read ${repr}`).to.equal(true);
  });

  it('round-trips through our own decoder', () => {
    for (const [name, value] of CASES) {
      if (
        name.startsWith('cyclic') ||
        name === 'float specials' ||
        name === 'undefined property skipped'
      )
        continue;
      const back = serializer.Pickle.decode(serializer.Pickle.encode(value));
      if (name === 'bigints')
        expect(back).to.deep.equal([
          2n ** 70n,
          -(2n ** 70n),
          -(2n ** 63n),
          5,
          -128,
          255,
          10n ** 700n,
        ]);
      else if (name === 'Uint8Array') expect(back).to.deep.equal(Buffer.from([1, 2]));
      else if (name === 'Map') expect(back).to.deep.equal(value);
      else if (name === 'null-prototype object') expect(back).to.deep.equal({ k: 'v' });
      else expect(back, name).to.deep.equal(value);
    }
    const back = serializer.Pickle.decode(serializer.Pickle.encode(cyclic)) as unknown[];
    expect(back[0]).to.equal(back);
  });

  it('refuses what has no Python form', () => {
    class Point {
      x = 1;
    }
    const setCycle = new Set<unknown>();
    const tuple: unknown[] = [];
    tuple.push(tuple);
    setCycle.add(tuple);
    let deep: unknown[] = [];
    for (let i = 0; i < 2000; i += 1) deep = [deep];
    const refused: Array<[string, unknown, RegExp]> = [
      ['undefined', undefined, /undefined/],
      ['undefined in an array', [undefined], /undefined/],
      ['a function', () => 1, /function/],
      ['a symbol', Symbol('s'), /symbol/],
      ['a class instance', new Point(), /Point/],
      ['an invalid Date', new Date(NaN), /invalid Date/],
      ['a Date of year 10000', new Date('+010000-01-01T00:00:00Z'), /year 10000/],
      ['a lone surrogate', 'a\ud800', /surrogate/],
      ['a Map as a Map key', new Map([[new Map(), 1]]), /cannot hash/],
      ['an object in a Set', new Set([{}]), /cannot hash/],
      ['a cycle through a Set', setCycle, /cycle/],
      ['a Float64Array', new Float64Array(1), /Float64Array/],
      ['deep nesting', deep, /deeper/],
    ];
    for (const [name, value, message] of refused) {
      expect(() => serializer.Pickle.encode(value), name).to.throw(SerializationFailure, message);
    }
  });
});
