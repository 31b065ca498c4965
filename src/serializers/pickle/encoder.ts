import { SerializationFailure, ILL_FORMED, isWellFormed } from '../serializer.js';
import { stateOfDate } from './datetime.js';
import { MAX_DEPTH } from './finish.js';
import { Op } from './opcodes.js';
import { ByteWriter } from './writer.js';

/**
 * The Pickle encoder: writes protocol 3 (Python 3.0 and later read it; `BINBYTES` for bytes).
 * Lists and dicts are memoized, so shared references and cycles through them come back the same
 * in Python; sets and Map keys, built after their members, refuse a cycle through themselves.
 *
 * @internal
 * @module
 */

/** What APPENDS and SETITEMS carry at most, as CPython batches them. */
const BATCH = 1000;

function fail(message: string): SerializationFailure {
  return new SerializationFailure(`Pickle cannot store ${message}`);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

class Encoder {
  readonly out = new ByteWriter();
  private readonly memo = new Map<object, number>();
  private readonly building = new Set<object>();
  private depth = 0;

  private memoize(value: object): void {
    const index = this.memo.size;
    this.memo.set(value, index);
    if (index < 256) this.out.pair(Op.BINPUT, index);
    else {
      this.out.byte(Op.LONG_BINPUT);
      this.out.u32(index);
    }
  }

  private recall(value: object): boolean {
    const index = this.memo.get(value);
    if (index === undefined) return false;
    if (index < 256) this.out.pair(Op.BINGET, index);
    else {
      this.out.byte(Op.LONG_BINGET);
      this.out.u32(index);
    }
    return true;
  }

  private global(module: string, name: string): void {
    this.out.byte(Op.GLOBAL);
    this.out.ascii(`${module}\n${name}\n`);
  }

  private int(value: number): void {
    const out = this.out;
    if (value >= 0 && value < 256) out.pair(Op.BININT1, value);
    else if (value >= 0 && value < 65536) {
      out.byte(Op.BININT2);
      out.u16(value);
    } else if (value >= -0x80000000 && value <= 0x7fffffff) {
      out.byte(Op.BININT);
      out.i32(value);
    } else this.long(BigInt(value));
  }

  /** LONG1/LONG4: little-endian two's complement, as short as it goes. */
  private long(value: bigint): void {
    if (value >= -0x80000000n && value <= 0x7fffffffn) return this.int(Number(value));
    const negative = value < 0n;
    const magnitude = (negative ? -value : value).toString(16);
    const bits = (magnitude.length - 1) * 4 + parseInt(magnitude[0], 16).toString(2).length;
    const powerOfTwo = /^[1248]0*$/.test(magnitude);
    const bytes = Math.ceil((negative && powerOfTwo ? bits : bits + 1) / 8);
    const hex = (negative ? (1n << BigInt(bytes * 8)) + value : value).toString(16);
    const le = Buffer.from(hex.padStart(bytes * 2, '0'), 'hex').reverse();
    if (le.length < 256) this.out.pair(Op.LONG1, le.length);
    else {
      this.out.byte(Op.LONG4);
      this.out.i32(le.length);
    }
    this.out.bytes(le);
  }

  private str(value: string): void {
    if (!isWellFormed(value)) throw fail(`this text: ${ILL_FORMED}`);
    const bytes = Buffer.from(value, 'utf8');
    this.out.byte(Op.BINUNICODE);
    this.out.u32(bytes.length);
    this.out.bytes(bytes);
  }

  private bin(value: Uint8Array): void {
    if (value.length < 256) this.out.pair(Op.SHORT_BINBYTES, value.length);
    else {
      this.out.byte(Op.BINBYTES);
      this.out.u32(value.length);
    }
    this.out.bytes(value);
  }

  private date(value: Date): void {
    const state = stateOfDate(value);
    if (typeof state === 'string') throw fail(state);
    this.global('datetime', 'datetime');
    this.bin(state);
    this.global('datetime', 'timezone');
    this.global('datetime', 'timedelta');
    this.out.pair(Op.BININT1, 0);
    this.out.pair(Op.BININT1, 0);
    this.out.pair(Op.BININT1, 0);
    this.out.byte(Op.TUPLE3);
    this.out.byte(Op.REDUCE);
    this.out.byte(Op.TUPLE1);
    this.out.byte(Op.REDUCE);
    this.out.byte(Op.TUPLE2);
    this.out.byte(Op.REDUCE);
  }

  /** Items in batches: MARK ... op, or the single form for one item. */
  private batches<T>(items: Iterable<T>, single: number, many: number, each: (item: T) => void) {
    let batch: T[] = [];
    const flush = (): void => {
      if (batch.length === 1) each(batch[0]);
      else {
        this.out.byte(Op.MARK);
        batch.forEach(each);
      }
      this.out.byte(batch.length === 1 ? single : many);
      batch = [];
    };
    for (const item of items) {
      batch.push(item);
      if (batch.length === BATCH) flush();
    }
    if (batch.length > 0) flush();
  }

  private list(value: readonly unknown[]): void {
    this.out.byte(Op.EMPTY_LIST);
    this.memoize(value);
    this.batches(value, Op.APPEND, Op.APPENDS, (item) => {
      if (item === undefined) throw fail('undefined in an array (Python has no such value)');
      this.value(item, false);
    });
  }

  private dict(entries: Iterable<[unknown, unknown]>, owner: object): void {
    this.out.byte(Op.EMPTY_DICT);
    this.memoize(owner);
    this.batches(entries, Op.SETITEM, Op.SETITEMS, ([key, item]) => {
      this.value(key, true);
      this.value(item, false);
    });
  }

  private object(value: Record<string, unknown>): void {
    if (Object.getOwnPropertySymbols(value).length > 0) throw fail('an object with symbol keys');
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(value)) {
      if (value[key] !== undefined) entries.push([key, value[key]]);
    }
    this.dict(entries, value);
  }

  /** A set, or a tuple (an array as a dict key or set member), built after its members. */
  private frozen(value: object, build: () => void): void {
    if (this.building.has(value)) throw fail('a cycle through a Set or a Map key');
    this.building.add(value);
    build();
    this.building.delete(value);
  }

  private set(value: Set<unknown>, key: boolean): void {
    this.frozen(value, () => {
      this.global('builtins', key ? 'frozenset' : 'set');
      this.out.byte(Op.EMPTY_LIST);
      this.batches(value, Op.APPEND, Op.APPENDS, (item) => this.value(item, true));
      this.out.byte(Op.TUPLE1);
      this.out.byte(Op.REDUCE);
    });
  }

  private tuple(value: readonly unknown[]): void {
    this.frozen(value, () => {
      this.out.byte(Op.MARK);
      for (const item of value) this.value(item, true);
      this.out.byte(Op.TUPLE);
    });
  }

  /** One value; `key` when it must be hashable (a dict key or set member). */
  value(value: unknown, key: boolean): void {
    switch (typeof value) {
      case 'string':
        return this.str(value);
      case 'boolean':
        return this.out.byte(value ? Op.NEWTRUE : Op.NEWFALSE);
      case 'bigint':
        return this.long(value);
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return this.int(value);
        this.out.byte(Op.BINFLOAT);
        return this.out.f64(value);
      case 'object':
        if (value === null) return this.out.byte(Op.NONE);
        return this.container(value, key);
      default:
        throw fail(`a value of type ${typeof value}`);
    }
  }

  private container(value: object, key: boolean): void {
    if (this.depth >= MAX_DEPTH) throw fail(`a value nested deeper than ${MAX_DEPTH} levels`);
    this.depth += 1;
    try {
      this.nested(value, key);
    } finally {
      this.depth -= 1;
    }
  }

  private nested(value: object, key: boolean): void {
    if (value instanceof Date) return this.date(value);
    if (
      value instanceof Uint8Array &&
      (Buffer.isBuffer(value) || value.constructor === Uint8Array)
    ) {
      return this.bin(value);
    }
    if (value instanceof Set) return this.set(value, key);
    if (Array.isArray(value) && key) return this.tuple(value);
    if (key) throw fail('a dict or Map as a dict key or set member (Python cannot hash it)');
    if (this.recall(value)) return;
    if (Array.isArray(value)) return this.list(value);
    if (value instanceof Map) return this.dict(value.entries(), value);
    if (isPlainObject(value)) return this.object(value);
    throw fail(`an instance of ${value.constructor?.name ?? 'a class'}`);
  }
}

/** Encodes a value as a protocol 3 pickle (see `Pickle`). */
export function encodePickle(value: unknown): Buffer {
  if (value === undefined) throw fail('undefined (Python has no such value; use null for None)');
  const encoder = new Encoder();
  encoder.out.pair(Op.PROTO, 3);
  encoder.value(value, false);
  encoder.out.byte(Op.STOP);
  return encoder.out.result();
}
