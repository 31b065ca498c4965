/**
 * Values crossing between the specs and the Python program of ancestor.ts, for the rows whose
 * values JSON cannot carry as they are (Pickle's bytes, big ints, tuples, sets, dicts with
 * non-string keys, datetimes) and the Document's typed fields.
 *
 * One tagged JSON form serves both ways: `{"$bytes": base64}`, `{"$bytearray": base64}`,
 * `{"$int": "digits"}` (an int beyond ±(2^53 − 1)), `{"$float": n}`, `{"$tuple": [...]}`,
 * `{"$set": [...]}`, `{"$frozenset": [...]}`, `{"$dict": [[key, value], ...]}` (in order),
 * `{"$datetime": isoformat}` (Python's `isoformat(timespec='microseconds')` when Python
 * describes one), `{"$date": "YYYY-MM-DD"}`. The Python program rebuilds Python values from an
 * argument in this form (`arg`) and describes the values it read in it (`describe`).
 */

/** A value Python writes (`arg`, tagged) that our side reads as `reads`: a tuple, a naive datetime... */
export class Py {
  constructor(
    readonly arg: unknown,
    readonly reads: unknown,
  ) {}
}

/** Shorthand for `new Py(arg, reads)`. */
export const py = (arg: unknown, reads: unknown): Py => new Py(arg, reads);

/** Whether `value` is a plain object (not a Buffer, Date, Map, Set, array or marker). */
function isPlain(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

/** Python's `isoformat(timespec='microseconds')` of the aware UTC datetime of `date`. */
export function pythonIso(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000+00:00`;
}

/** A number as Python holds it: an int when safe (and not -0), else a tagged float. */
function numberForm(n: number): unknown {
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? n : { $float: n };
}

/** A bigint as Python describes its int: a JSON number when safe, else tagged digits. */
function bigintForm(n: bigint): unknown {
  return n >= -(2n ** 53n - 1n) && n <= 2n ** 53n - 1n ? Number(n) : { $int: String(n) };
}

/** A stable sort key for any value (bigints, Sets, Maps and Buffers included). */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_, x: unknown) => {
    if (typeof x === 'bigint') return `$bigint:${x}`;
    if (x instanceof Set) return ['$set', ...x];
    if (x instanceof Map) return ['$map', ...x];
    return x;
  });
}

/** Sorts the members of every tagged set in a description (Python's sets come in any order). */
export function sortSets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortSets);
  if (!isPlain(value)) return value;
  const [tag, ...more] = Object.keys(value);
  if ((tag === '$set' || tag === '$frozenset') && more.length === 0) {
    const members = (value[tag] as unknown[]).map(sortSets);
    return { [tag]: members.sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : 1)) };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortSets(v)]));
}

/**
 * How Python describes what it read of a value our Pickle serializer wrote (see the module
 * comment), following docs/compatibility.md: a safe integer is an `int`, other numbers a
 * `float`; an array a `list` (a `tuple` as a dict key or set member); a Set a `set` (a
 * `frozenset` when nested in a key or set); an object or Map a `dict`; a Date an aware
 * `datetime` in UTC.
 */
export function describe(value: unknown, inKey = false): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return numberForm(value);
  if (typeof value === 'bigint') return bigintForm(value);
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (value instanceof Date) return { $datetime: pythonIso(value) };
  if (Array.isArray(value)) {
    const items = value.map((v) => describe(v, inKey));
    return inKey ? { $tuple: items } : items;
  }
  if (value instanceof Set) {
    return sortSets({ [inKey ? '$frozenset' : '$set']: [...value].map((v) => describe(v, true)) });
  }
  const entries = value instanceof Map ? [...value] : Object.entries(value as object);
  return { $dict: entries.map(([k, v]) => [describe(k, true), describe(v, inKey)]) };
}

/** A value as the tagged argument from which Python rebuilds it (a {@link Py} gives its own). */
export function toPython(value: unknown, inKey = false): unknown {
  if (value instanceof Py) return value.arg;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return numberForm(value);
  if (typeof value === 'bigint') return { $int: String(value) };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (value instanceof Date) return { $datetime: pythonIso(value) };
  if (Array.isArray(value)) {
    const items = value.map((v) => toPython(v, inKey));
    return inKey ? { $tuple: items } : items;
  }
  if (value instanceof Set) {
    return { [inKey ? '$frozenset' : '$set']: [...value].map((v) => toPython(v, true)) };
  }
  const entries = value instanceof Map ? [...value] : Object.entries(value as object);
  return { $dict: entries.map(([k, v]) => [toPython(k, true), toPython(v, inKey)]) };
}

/** What our side reads of a value Python wrote: each {@link Py} replaced by its `reads`. */
export function readBack(value: unknown): unknown {
  if (value instanceof Py) return value.reads;
  if (Array.isArray(value)) return value.map(readBack);
  if (value instanceof Set) return new Set([...value].map(readBack));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [readBack(k), readBack(v)]));
  if (isPlain(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readBack(v)]));
  }
  return value;
}
