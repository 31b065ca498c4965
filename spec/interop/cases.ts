import {
  Counter,
  HashMap,
  Map as RMap,
  Pool,
  PriorityQueue,
  Queue,
  serializer,
  SortedSet,
  Stack,
} from '../../src/index.js';
import { DOCUMENT } from './document-row.js';
import { PICKLE } from './pickle-row.js';
import { canonical, row, type ModelRow, type RowCall, type SerializerRow } from './rows.js';

export { canonical, type ModelRow, type Open, type RowCall, type SerializerRow } from './rows.js';

const nested = { a: [1, { b: null, c: 'ü' }], ключ: 'значение', n: -0.5, t: true };

/**
 * The serializers of the interop table (shapes in rows.ts). Adding a serializer is one row here
 * plus its class in the ancestor program (ancestor.ts).
 */
export const SERIALIZERS: readonly SerializerRow[] = [
  {
    name: 'JSON',
    serializer: serializer.JSON,
    values: [0, '', false, [], {}, 1.5, -7, 2 ** 53 - 1, 'text', 'ünïcødé ✓ 😀', true, nested],
    fromPython: [
      0,
      '',
      1.5,
      -7,
      2 ** 53 - 1,
      'text',
      'ünïcødé ✓ 😀',
      true,
      nested,
      [1, 'two', [3]],
    ],
  },
  {
    name: 'String',
    serializer: serializer.String,
    values: ['', '0', 'plain', ' spaced ', 'ünïcødé ✓ 😀', '{"a": 1}'],
  },
  {
    name: 'Numeric',
    serializer: serializer.Numeric,
    values: [0, 1, -42, 2 ** 53 - 1, -(2 ** 53 - 1)],
  },
  PICKLE,
];

const reversed = (values: readonly unknown[]): unknown[] => [...values].reverse();
const each = (
  values: readonly unknown[],
  call: string,
  extra: (i: number) => unknown[] = () => [],
) => values.map((v, i) => ({ call, args: [v, ...extra(i)] }));
const times = (n: number, call: string): RowCall[] => Array.from({ length: n }, () => ({ call }));
const drain = async (pop: () => Promise<unknown>, n: number): Promise<unknown[]> => {
  const got: unknown[] = [];
  for (let i = 0; i < n; i += 1) got.push(await pop());
  return got;
};

/** The models of the interop table. Adding a model is one row. */
export const MODELS: readonly ModelRow[] = [
  row<Counter>({
    name: 'Counter',
    model: Counter,
    serializers: ['Numeric'],
    pythonWrites: () => times(3, 'increment'),
    tsReads: async (open) => [await open().get(), await open().incr()],
    expectTs: () => [3, 4],
    tsWrites: (open) => open().incr(41),
    pythonReads: () => [{ call: 'get' }, { call: 'increment' }],
    expectPython: () => [41, 42],
  }),
  row<RMap<unknown>>({
    name: 'Map',
    model: RMap,
    pythonWrites: (values) => values.map((v, i) => ({ call: 'set', args: [v], suffix: `${i}` })),
    tsReads: (open, values) =>
      Promise.all([...values.map((_, i) => open(`${i}`).get()), open('none').get()]),
    expectTs: (values) => [...values, null],
    tsWrites: (open, values) => Promise.all(values.map((v, i) => open(`${i}`).set(v))),
    pythonReads: (values) => [
      ...values.map((_, i) => ({ call: 'get', suffix: `${i}` })),
      { call: 'get', suffix: 'none' },
    ],
    expectPython: (values) => [...values, null],
  }),
  row<HashMap<unknown>>({
    name: 'HashMap',
    model: HashMap,
    pythonWrites: (values) => values.map((v, i) => ({ call: 'set', args: [`f${i}`, v] })),
    tsReads: async (open) => [await open().getAll(), await open().get('none')],
    expectTs: (values) => [Object.fromEntries(values.map((v, i) => [`f${i}`, v])), null],
    tsWrites: (open, values) => open().setMany(values.map((v, i) => [`f${i}`, v] as const)),
    pythonReads: (values) => [
      ...values.map((_, i) => ({ call: 'get', args: [`f${i}`] })),
      { call: 'get', args: ['none'] },
    ],
    expectPython: (values) => [...values, null],
  }),
  row<Pool<unknown>>({
    name: 'Pool',
    model: Pool,
    pythonWrites: (values) => each(values, 'push'),
    tsReads: async (open) => canonical(await open().members()),
    expectTs: canonical,
    tsWrites: (open, values) => open().pushMany(values),
    pythonReads: () => [{ call: 'members' }],
    expectPython: (values) => [canonical(values)],
    normalisePython: ([members]) => [canonical(members as unknown[])],
  }),
  row<SortedSet<unknown>>({
    name: 'SortedSet',
    model: SortedSet,
    pythonWrites: (values) => each(values, 'add', (i) => [i]),
    tsReads: (open) => open().members({ withScores: true }),
    expectTs: (values) => reversed(values.map((v, i) => [v, i])),
    tsWrites: (open, values) => open().addMany(values.map((v, i) => [v, i] as const)),
    pythonReads: () => [{ call: 'members', args: [true] }, { call: 'members_by_score' }],
    expectPython: (values) => [reversed(values.map((v, i) => [i, v])), [...values]],
  }),
  row<Queue<unknown>>({
    name: 'Queue',
    model: Queue,
    pythonWrites: (values) => each(values, 'push'),
    tsReads: (open, values) => drain(() => open().pop(), values.length + 1),
    expectTs: (values) => [...values, null],
    tsWrites: (open, values) => open().push(...values),
    pythonReads: (values) => times(values.length + 1, 'pop'),
    expectPython: (values) => [...values, null],
  }),
  row<Stack<unknown>>({
    name: 'Stack',
    model: Stack,
    pythonWrites: (values) => each(values, 'push'),
    tsReads: (open, values) => drain(() => open().pop(), values.length + 1),
    expectTs: (values) => [...reversed(values), null],
    tsWrites: (open, values) => open().push(...values),
    pythonReads: (values) => times(values.length + 1, 'pop'),
    expectPython: (values) => [...reversed(values), null],
  }),
  row<PriorityQueue<unknown>>({
    name: 'PriorityQueue',
    model: PriorityQueue,
    // priorities n..1: the last value pushed is the most urgent (lowest score), popped first
    pythonWrites: (values) => each(values, 'push', (i) => [values.length - i]),
    tsReads: (open, values) => drain(() => open().pop(), values.length + 1),
    expectTs: (values) => [...reversed(values), null],
    tsWrites: (open, values) =>
      open().pushMany(values.map((v, i) => [v, values.length - i] as const)),
    pythonReads: (values) => times(values.length + 1, 'pop'),
    expectPython: (values) => [...reversed(values), null],
  }),
  DOCUMENT,
];
