/**
 * The values of the Pickle specs' corpus: the same values as Python literals (written by
 * python3 for every protocol) and as what the decoder must give back.
 */

/** The Python side: `V` maps each case name to a value; `utc`, `tz` and `datetime` are imported. */
export const PYTHON_VALUES = String.raw`
import datetime
utc = datetime.timezone.utc
def tz(**kw): return datetime.timezone(datetime.timedelta(**kw))
rec = []
rec.append(rec)
rec_tuple = ([],)
rec_tuple[0].append(rec_tuple)
rec_dict = {}
rec_dict['self'] = rec_dict
shared = [1, 2]
strings = ['s%d' % i for i in range(300)]
V = {
  'none': None, 'true': True, 'false': False,
  'zero': 0, 'small': 7, 'byte': 255, 'int2': 300, 'int4': 70000, 'neg': -5,
  'min_int32': -2**31, 'over_int32': 2**31, 'safe': 2**53 - 1, 'neg_safe': -(2**53 - 1),
  'unsafe': 2**53, 'big': 2**70, 'big_neg': -2**70, 'huge': 10**60, 'neg_pow2': -2**63,
  'float': 1.5, 'neg_zero': -0.0, 'inf': float('inf'), 'ninf': float('-inf'), 'nan': float('nan'),
  'tiny': 5e-324, 'third': 1/3, 'float_int': 2.0,
  'str': 'hello', 'empty_str': '', 'unicode': 'é\u1234\U0001F600\n\\ \\u0041 \r\x00\ufffd',
  'surrogate': '\ud800x',
  'bytes': b'ab\xff\x00\n', 'empty_bytes': b'', 'long_bytes': bytes(range(256)) * 2,
  'bytearray': bytearray(b'xy\x80'), 'empty_bytearray': bytearray(),
  'list': [1, 'a', None], 'empty_list': [], 'tuple': (1, 2), 'empty_tuple': (),
  'tuple1': ('x',), 'tuple3': (1, 2, 3), 'tuple4': (1, 2, 3, 4),
  'dict': {'a': 1, 'b': [True]}, 'empty_dict': {}, 'int_keys': {1: 'one', 2: 'two'},
  'mixed_keys': {'a': 1, 2: 'b', (1, 'x'): 3, None: 4},
  'proto_key': {'__proto__': {'polluted': True}, 'constructor': 2},
  'set': {1, 2, 3}, 'empty_set': set(), 'frozenset': frozenset(['a']),
  'set_of_tuples': {(1, 2)}, 'nested_frozen': {frozenset([1])},
  'datetime': datetime.datetime(2020, 1, 2, 3, 4, 5, 678000),
  'datetime_us': datetime.datetime(2020, 1, 2, 3, 4, 5, 678999),
  'datetime_fold': datetime.datetime(2020, 1, 2, 3, 4, 5, fold=1),
  'datetime_utc': datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=utc),
  'datetime_plus2': datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2), 'X')),
  'datetime_minus': datetime.datetime(2020, 1, 2, tzinfo=tz(hours=-5, minutes=-30)),
  'datetime_max': datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
  'date': datetime.date(2020, 1, 2), 'date_first': datetime.date(1, 1, 1),
  'big_list': list(range(2500)), 'big_dict': {str(i): i for i in range(1200)},
  'big_set': set(range(1100)), 'long_memo': [strings, strings[299], strings[299]],
  'shared': [shared, shared], 'nested': {'a': [{'b': ({'c': {1}},)}]},
  'recursive': rec, 'recursive_tuple': rec_tuple, 'recursive_dict': rec_dict,
}
`;

const date = (iso: string): Date => new Date(iso);

function object(entries: Array<[string, unknown]>): Record<string, unknown> {
  const target: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return target;
}

const bytes256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const strings = Array.from({ length: 300 }, (_, i) => `s${i}`);

/** What each value decodes to (the recursive ones are checked by identity in the spec). */
export const EXPECTED: Record<string, unknown> = {
  none: null,
  true: true,
  false: false,
  zero: 0,
  small: 7,
  byte: 255,
  int2: 300,
  int4: 70000,
  neg: -5,
  min_int32: -(2 ** 31),
  over_int32: 2 ** 31,
  safe: 2 ** 53 - 1,
  neg_safe: -(2 ** 53 - 1),
  unsafe: 2n ** 53n,
  big: 2n ** 70n,
  big_neg: -(2n ** 70n),
  huge: 10n ** 60n,
  neg_pow2: -(2n ** 63n),
  float: 1.5,
  neg_zero: -0,
  inf: Infinity,
  ninf: -Infinity,
  nan: NaN,
  tiny: 5e-324,
  third: 1 / 3,
  float_int: 2,
  str: 'hello',
  empty_str: '',
  unicode: 'é\u1234\u{1F600}\n\\ \\u0041 \r\x00\ufffd',
  surrogate: '\ud800x',
  bytes: Buffer.from('ab\xff\x00\n', 'latin1'),
  empty_bytes: Buffer.alloc(0),
  long_bytes: Buffer.concat([bytes256, bytes256]),
  bytearray: Buffer.from('xy\x80', 'latin1'),
  empty_bytearray: Buffer.alloc(0),
  list: [1, 'a', null],
  empty_list: [],
  tuple: [1, 2],
  empty_tuple: [],
  tuple1: ['x'],
  tuple3: [1, 2, 3],
  tuple4: [1, 2, 3, 4],
  dict: { a: 1, b: [true] },
  empty_dict: {},
  int_keys: new Map<unknown, unknown>([
    [1, 'one'],
    [2, 'two'],
  ]),
  mixed_keys: new Map<unknown, unknown>([
    ['a', 1],
    [2, 'b'],
    [[1, 'x'], 3],
    [null, 4],
  ]),
  proto_key: object([
    ['__proto__', { polluted: true }],
    ['constructor', 2],
  ]),
  set: new Set([1, 2, 3]),
  empty_set: new Set(),
  frozenset: new Set(['a']),
  set_of_tuples: new Set([[1, 2]]),
  nested_frozen: new Set([new Set([1])]),
  datetime: date('2020-01-02T03:04:05.678Z'),
  datetime_us: date('2020-01-02T03:04:05.678Z'),
  datetime_fold: date('2020-01-02T03:04:05.000Z'),
  datetime_utc: date('2020-01-02T03:04:05.000Z'),
  datetime_plus2: date('2020-01-02T01:04:05.000Z'),
  datetime_minus: date('2020-01-02T05:30:00.000Z'),
  datetime_max: date('9999-12-31T23:59:59.999Z'),
  date: date('2020-01-02T00:00:00.000Z'),
  date_first: date('0001-01-01T00:00:00.000Z'),
  big_list: Array.from({ length: 2500 }, (_, i) => i),
  big_dict: Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [String(i), i])),
  big_set: new Set(Array.from({ length: 1100 }, (_, i) => i)),
  long_memo: [strings, 's299', 's299'],
  shared: [
    [1, 2],
    [1, 2],
  ],
  nested: { a: [{ b: [{ c: new Set([1]) }] }] },
};
