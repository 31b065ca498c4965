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
  type Model,
  type Serializer,
} from '../../src/index.js';

/**
 * One serializer both sides share. Adding a serializer (Pickle) is one row here plus its class
 * in the ancestor program (ancestor.ts).
 */
export interface SerializerRow {
  /** The ancestor's class name, also ours in the test titles. */
  readonly name: string;
  readonly serializer: Serializer<unknown>;
  /** Distinct values (distinct stored forms too): what we write and Python must read back. */
  readonly values: readonly unknown[];
  /**
   * The values Python can write (default `values`): the ancestor skips the serializer for falsy
   * values, so it stores `''` raw (which our JSON serializer reads as `''`) and redis-py refuses
   * `False`, `None`, `[]`, `{}`.
   */
  readonly fromPython?: readonly unknown[];
}

const nested = { a: [1, { b: null, c: 'ü' }], ключ: 'значение', n: -0.5, t: true };

/** The serializers of the interop table. */
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
];

/** An ancestor call on a row's key (`suffix`: on `key:suffix`). */
export interface RowCall {
  readonly call: string;
  readonly args?: readonly unknown[];
  readonly suffix?: string;
}

/** Opens a TypeScript handle on the row's key (`suffix`: on `key:suffix`). */
export type Open<M> = (suffix?: string) => M;

/**
 * One model of the interop table: how each side writes `values` with its own API, and what the
 * other side reads back. Adding a model (Document) is one row.
 */
export interface ModelRow<M extends Model = Model> {
  /** The ancestor's class name, also ours. */
  readonly name: string;
  readonly model: new (key?: string) => M;
  /** The serializer rows that make sense for this model (default: all). */
  readonly serializers?: readonly string[];
  /** Python → TS: the ancestor calls writing `values`. */
  pythonWrites(values: readonly unknown[]): RowCall[];
  /** Python → TS: what our model reads from there, compared with `expectTs`. */
  tsReads(open: Open<M>, values: readonly unknown[]): Promise<unknown>;
  expectTs(values: readonly unknown[]): unknown;
  /** TS → Python: our writes of `values`. */
  tsWrites(open: Open<M>, values: readonly unknown[]): Promise<unknown>;
  /** TS → Python: the ancestor calls reading them back; their results are compared with `expectPython`. */
  pythonReads(values: readonly unknown[]): RowCall[];
  expectPython(values: readonly unknown[]): unknown[];
  /** Puts Python's results in a comparable order (a set's members come in any order). */
  normalisePython?(results: unknown[]): unknown[];
}

/** A stable order for values read from a set. */
export function canonical(values: readonly unknown[]): unknown[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

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
const row = <M extends Model>(r: ModelRow<M>): ModelRow => r as unknown as ModelRow;

/** The models of the interop table. */
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
];
