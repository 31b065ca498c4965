import { serializer } from '../../src/index.js';
import { describe, py, readBack, toPython } from './python-values.js';
import type { SerializerRow } from './rows.js';

const when = new Date('2024-02-29T12:34:56.789Z');
const big = 2n ** 64n + 1n;
const bytes = Buffer.from([0, 255, 128, 10]);
const object = { a: 1, ключ: 'значение', nested: { b: [true, null] } };

/**
 * The Pickle row: every type of docs/compatibility.md's Pickle table, both ways. Python's side
 * is `pickle.dumps(value)` (its default protocol) and `pickle.loads` (ancestor.ts); what Python
 * reads is compared as its tagged description (python-values.ts), so an `int` is not a `float`,
 * `bytes` not `str`, a `tuple` not a `list`.
 */
export const PICKLE: SerializerRow = {
  name: 'Pickle',
  serializer: serializer.Pickle,
  // distinct pickles (0 an int, -0 a float); falsy ones included: our pickles are never empty.
  // None only nested: a model refuses to store a top-level null ("absent")
  values: [
    true,
    false,
    0,
    -0,
    1,
    -7,
    2 ** 53 - 1,
    big,
    -(2n ** 70n),
    1.5,
    -0.25,
    1e300,
    '',
    'text',
    'ünïcødé ✓ 😀',
    Buffer.alloc(0),
    bytes,
    [],
    [1, 'two', [3, null], 2.5],
    {},
    object,
    new Map([
      [1, 'one'],
      [2, 'two'],
    ]),
    new Map<unknown, unknown>([
      ['a', 1],
      [[1, 'x'], 'a tuple key'],
    ]),
    new Set(),
    new Set<unknown>([1, 'a', big]),
    new Set<unknown>([new Set([1, 2]), [3, 'x']]),
    when,
    new Date(0),
    new Date('9999-12-31T23:59:59.999Z'),
  ],
  // truthy only: the ancestor stores a falsy value raw, skipping pickle
  fromPython: [
    true,
    1,
    -7,
    2 ** 53 - 1,
    big,
    -(2n ** 70n),
    1.5,
    1e300,
    py({ $float: 2 }, 2),
    'text',
    'ünïcødé ✓ 😀',
    bytes,
    py({ $bytearray: bytes.toString('base64') }, bytes),
    [1, 'two', [3, null], 2.5],
    py({ $tuple: [1, 'two', { $tuple: [] }] }, [1, 'two', []]),
    object,
    new Map([
      [1, 'one'],
      [2, 'two'],
    ]),
    new Map<unknown, unknown>([
      ['a', 1],
      [2, 'b'],
    ]),
    new Set<unknown>([1, 'a', big]),
    py({ $frozenset: [1, 2] }, new Set([1, 2])),
    when,
    py({ $datetime: '2024-02-29T12:34:56.789999' }, when), // naive = UTC; µs cut to ms
    py({ $datetime: '2024-02-29T14:34:56.789+02:00' }, when),
    py({ $date: '2024-02-29' }, new Date('2024-02-29T00:00:00Z')),
  ],
  toPython: (value) => toPython(value),
  readBack,
  describe: (value) => describe(value),
};
