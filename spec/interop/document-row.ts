import { Document, field } from '../../src/index.js';
import { describe, py, pythonIso, readBack, toPython } from './python-values.js';
import { row, type ModelRow, type SerializerRow } from './rows.js';

/** The schema of the Document row: every stored type (types named: both decorator modes). */
class Person {
  @field(String) name!: string;
  @field({ type: Number, optional: true }) age?: number;
  @field({ type: Number, optional: true }) score?: number;
  @field(Boolean) admin!: boolean;
  @field(Date) created!: Date;
  @field({ type: BigInt, optional: true }) big?: bigint;
  @field([String]) tags!: string[];
  @field({ type: Object, optional: true }) extra?: Record<string, unknown>;
}

/** The Document model of the row (the spec's `modelClass` gives it a connection). */
class People extends Document<Person> {
  static override SCHEMA = Person;
}

/** How the Python side parses each field (ancestor.ts `PARSE`): `int()`, `float()`... */
const TYPES = {
  name: 'str',
  age: 'int',
  score: 'float',
  admin: 'bool',
  created: 'datetime',
  big: 'int',
  tags: 'json',
  extra: 'json',
} as const;

/** The documented text form of a field value (docs/models/document.md). */
function storedText(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value); // text, numbers (-0 as '0'), bigints
}

/** What Python describes of a field it parsed by its type. */
function parsedByPython(name: keyof typeof TYPES, value: unknown): unknown {
  switch (TYPES[name]) {
    case 'int':
      return describe(typeof value === 'number' ? value + 0 : value); // -0 is stored as '0'
    case 'float':
      return { $float: value };
    case 'datetime':
      return { $datetime: pythonIso(value as Date) };
    default:
      return describe(value); // str, bool, and json: lists and dicts
  }
}

/** The stored fields of a document, mapped by `each`. */
const fieldsOf = (doc: unknown, each: (name: keyof typeof TYPES, value: unknown) => unknown) =>
  Object.fromEntries(
    Object.entries(doc as object)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, each(name as keyof typeof TYPES, value)]),
  );

const created = new Date('2024-02-29T12:34:56.789Z');

/** A document Python writes (`arg`, tagged; `legacy` is not in the schema) and what we load. */
const fromPython = (arg: Record<string, unknown>, reads: Partial<Person>) =>
  py({ ...arg, legacy: 'not in the schema: ignored' }, reads);

/**
 * The Document's own row: no serializer, each field its documented text. Python writes with
 * `HSET` the text a Python service would (`str()` of numbers, `'1'`/`'0'`, `isoformat()` of an
 * aware datetime, `json.dumps`); we write, and Python reads `HGETALL` and parses each field by
 * its type (`int()`, `float()`, `datetime.fromisoformat`, `json.loads`).
 */
const TEXT: SerializerRow = {
  name: 'text',
  serializer: undefined,
  values: [
    {
      name: 'Ann ünïcødé ✓ 😀',
      age: 30,
      score: -1.25,
      admin: true,
      created,
      big: 2n ** 70n,
      tags: ['a', 'ü'],
      extra: { n: [1, 2.5, null], t: true, s: 'ключ' },
    },
    { name: '', admin: false, created: new Date(0), tags: [] }, // falsy, optional fields absent
    {
      name: ' spaced\nline ',
      age: -0,
      score: 1e21,
      admin: true,
      created: new Date('9999-12-31T23:59:59.999Z'),
      big: -5n,
      tags: ['x,y', '"q"'],
      extra: {},
    },
  ],
  fromPython: [
    fromPython(
      {
        name: 'Bob ✓',
        age: 41,
        score: 2.5,
        admin: true,
        created: { $datetime: '2024-02-29T12:34:56.789999+00:00' }, // µs cut to ms
        big: { $int: String(2n ** 70n) },
        tags: ['a', 'ü'], // json.dumps: '["a", "\u00fc"]'
        extra: { n: [1, 2.5, null], t: true },
      },
      {
        name: 'Bob ✓',
        age: 41,
        score: 2.5,
        admin: true,
        created,
        big: 2n ** 70n,
        tags: ['a', 'ü'],
        extra: { n: [1, 2.5, null], t: true },
      },
    ),
    fromPython(
      {
        name: '',
        age: { $float: 30 }, // '30.0'
        score: 1e21, // '1e+21'
        admin: false,
        created: { $datetime: '2024-02-29T14:34:56.789+02:00' },
        tags: [],
      },
      { name: '', age: 30, score: 1e21, admin: false, created, tags: [] },
    ),
    fromPython(
      { name: 'x', admin: true, created: { $datetime: '2024-01-01T00:00:00+00:00' }, tags: ['y'] },
      { name: 'x', admin: true, created: new Date('2024-01-01T00:00:00Z'), tags: ['y'] },
    ),
  ],
  toPython: (value) => toPython(value),
  readBack,
};

/** The Document row: a hash of text fields, read and written by hand on the Python side. */
export const DOCUMENT: ModelRow = row<People>({
  name: 'Document',
  model: People,
  own: TEXT,
  pythonWrites: (values) => values.map((v, i) => ({ call: 'save', args: [v], suffix: `${i}` })),
  tsReads: async (open, values) => {
    const docs = await Promise.all([
      ...values.map((_, i) => open(`${i}`).load()),
      open('none').load(),
    ]);
    return docs.map((doc) => doc && [doc instanceof Person, { ...doc }]);
  },
  expectTs: (values) => [...values.map((v) => [true, v]), null],
  tsWrites: (open, values) => Promise.all(values.map((v, i) => open(`${i}`).save(v as Person))),
  pythonReads: (values) => [
    ...values.flatMap((_, i) => [
      { call: 'load', args: [TYPES], suffix: `${i}` },
      { call: 'fields', suffix: `${i}` },
    ]),
    { call: 'load', args: [TYPES], suffix: 'none' },
  ],
  expectPython: (values) => [
    ...values.flatMap((doc) => [
      fieldsOf(doc, parsedByPython),
      fieldsOf(doc, (_, v) => storedText(v)),
    ]),
    null,
  ],
});
