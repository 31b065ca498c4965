import type { RedisArg } from '../core/command.js';
import { ArgumentError } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import { flag, integer, positive, text } from '../core/decoders.js';
import { decodeStored, list, nullable, storedReply } from './values.js';
import { Model } from './model.js';
import { flagOption, iterableArg, kindOf, optionsArg, pairArg } from './args.js';
import { isWellFormed } from '../serializers/serializer.js';
import {
  countOrFlag,
  nothing,
  pairs,
  scanAll,
  scanArgs,
  scanPage,
  type ScanOptions,
} from './collection.js';

/** Options of {@link HashMap.set}. */
export interface HashSetOptions {
  /** Only set when the field does not exist (`HSETNX`); the result says whether it was set. */
  ifAbsent?: boolean;
}

const SET_OPTIONS = { call: 'set(field, value, options)', known: ['ifAbsent'] };

/** A field name of a reply, as text. */
const field = (raw: unknown): string => text(raw) ?? '';

/**
 * The `[field, value]` pairs of a hash reply, each value through `value`: a RESP3 map (an
 * object, or a JS Map with a custom type mapping), or an array of pairs, nested or flat (RESP2
 * `[f1, v1, f2, v2...]`, and every `HSCAN` page).
 */
function fieldValues<V>(reply: unknown, value: (raw: unknown) => V): Array<[string, V]> {
  if (Array.isArray(reply)) return pairs(reply, field, value);
  if (reply instanceof globalThis.Map) {
    return [...(reply as globalThis.Map<unknown, unknown>)].map(([f, v]) => [field(f), value(v)]);
  }
  if (reply !== null && typeof reply === 'object') {
    return Object.entries(reply).map(([f, v]) => [f, value(v)]);
  }
  return [];
}

/** The decoder of a stored (non-nil) value of a reply through `serializer`. */
function storedValue<T>(serializer: Serializer<T>): (raw: unknown) => T {
  return (raw) => decodeStored(serializer, raw as string | Buffer);
}

/** Stores `value` under `name` without ever touching the prototype (a field named `__proto__`). */
function put<T>(record: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') {
    Object.defineProperty(record, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    record[name] = value;
  }
}

/**
 * Many fields under one key (a Redis hash, `HSET`/`HGET`/`HDEL`): the Python ancestor's
 * HashMap, same layout. Field names are strings; values go through the model's serializer, so
 * `redis-cli HGET key field` shows what the serializer stored. Each operation is one Redis
 * command, hence atomic.
 *
 * @typeParam T - the value type of every field, e.g. `HashMap<Cart>` with `serializer.JSON`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, prefix: 'shop' })
 * class Carts extends HashMap<{ items: string[] }> {}
 * const carts = new Carts('2024-06');
 * await carts.set('ann', { items: ['tea'] }); // true: a new field
 * await carts.get('ann');                      // { items: ['tea'] }
 * await carts.getAll();                        // { ann: { items: ['tea'] } }
 * ```
 */
export class HashMap<T = string> extends Model {
  /** The value decoder of this model's serializer. */
  private get one(): (reply: unknown) => T | null {
    return nullable(this.serializer) as (reply: unknown) => T | null;
  }

  /** A field name, checked before sending. */
  private fieldArg(field: unknown): string {
    if (typeof field !== 'string') {
      throw new ArgumentError(
        `field names must be strings, got ${kindOf(field)}`,
        this.errorContext,
      );
    }
    if (!isWellFormed(field)) {
      throw new ArgumentError(
        'a field name has a lone UTF-16 surrogate (half of a character): Redis would store it ' +
          'as U+FFFD, so two such names could be one field',
        this.errorContext,
      );
    }
    return field;
  }

  /** The value of a field (`HGET`, O(1)), or null when the field (or the key) is absent. */
  get(field: string): Promise<T | null> {
    const name = this.fieldArg(field);
    return this.cachedRead(`HGET ${name}`, ['HGET', this.key, name], this.one);
  }

  /**
   * Stores a field's value (`HSET`, O(1)); with `{ ifAbsent: true }` only when the field does
   * not exist (`HSETNX`).
   * @returns true when the field is new (with `ifAbsent`: when it was set); false when an
   * existing field was overwritten (or, with `ifAbsent`, left alone).
   */
  set(field: string, value: T, options?: HashSetOptions): Promise<boolean> {
    const { ifAbsent } = optionsArg(options, SET_OPTIONS, this.errorContext);
    const name = this.fieldArg(field);
    const stored = this.encode(value);
    return flagOption(ifAbsent, 'ifAbsent', this.errorContext)
      ? this.write(['HSETNX', this.key, name, stored], flag)
      : this.write(['HSET', this.key, name, stored], positive);
  }

  /**
   * Stores several fields at once (`HSET key f1 v1 f2 v2...`, O(n)), atomically. Accepts a plain
   * object or any iterable of `[field, value]` pairs (e.g. a JS `Map`). Nothing is stored when a
   * value cannot be encoded.
   * @returns the number of fields that were new. An empty input sends only a cheap `EXISTS`
   * (so the call keeps its place in a pipeline) and returns 0.
   */
  setMany(entries: Readonly<Record<string, T>> | Iterable<readonly [string, T]>): Promise<number> {
    if (entries === null || typeof entries !== 'object') {
      throw new ArgumentError(
        `setMany() takes an object or an iterable of [field, value] pairs, got ${kindOf(entries)}`,
        this.errorContext,
      );
    }
    const given: Array<readonly [string, T]> =
      Symbol.iterator in entries
        ? iterableArg(entries as Iterable<readonly [string, T]>, 'entries', this.errorContext).map(
            (entry) => pairArg(entry, '[field, value]', this.errorContext),
          )
        : Object.entries(entries as Record<string, T>);
    const args: RedisArg[] = ['HSET', this.key];
    for (const [field, value] of given) args.push(this.fieldArg(field), this.encode(value));
    if (given.length === 0) return this.run(nothing(this, () => 0));
    return this.write(args, integer);
  }

  /**
   * The values of several fields (`HMGET`, O(n)), in the order asked, `null` for each missing
   * field. An empty list sends only a cheap `EXISTS` and returns `[]`.
   */
  getMany(fields: Iterable<string>): Promise<Array<T | null>> {
    const names = iterableArg(fields, 'fields', this.errorContext).map((f) => this.fieldArg(f));
    if (names.length === 0) return this.run(nothing(this, () => []));
    const one = this.one;
    const decode = storedReply(this.serializer, (reply) => (reply as unknown[]).map(one));
    return this.read(['HMGET', this.key, ...names], decode);
  }

  /**
   * Every field and value (`HGETALL`, O(n)): `{}` when the key does not exist. The object has
   * the normal prototype; a field named `__proto__` becomes an own property (no prototype
   * pollution). For large hashes prefer {@link HashMap.scan}.
   */
  getAll(): Promise<Record<string, T>> {
    const value = storedValue(this.serializer as Serializer<T>);
    return this.cachedRun('HGETALL', () => ({
      args: ['HGETALL', this.key],
      write: false,
      maps: true,
      model: this.modelName,
      key: this.key,
      decode: storedReply(this.serializer, (reply) => {
        const record: Record<string, T> = {};
        for (const [field, decoded] of fieldValues(reply, value)) put(record, field, decoded);
        return record;
      }),
    }));
  }

  /** The field names (`HKEYS`, O(n)), in no particular order; `[]` when the key does not exist. */
  fields(): Promise<string[]> {
    return this.read(['HKEYS', this.key], (reply) => (reply as unknown[]).map(text));
  }

  /** The values (`HVALS`, O(n)), in no particular order; `[]` when the key does not exist. */
  values(): Promise<T[]> {
    return this.read(['HVALS', this.key], list(this.serializer) as (reply: unknown) => T[]);
  }

  /** Whether a field exists (`HEXISTS`, O(1)). */
  has(field: string): Promise<boolean> {
    return this.read(['HEXISTS', this.key, this.fieldArg(field)], flag);
  }

  /** The number of fields (`HLEN`, O(1)); 0 when the key does not exist. */
  size(): Promise<number> {
    return this.read(['HLEN', this.key], integer);
  }

  /**
   * Removes one field (`HDEL`, O(1)); true if it existed.
   */
  remove(field: string): Promise<boolean>;
  /**
   * Removes several fields in one command (`HDEL`, O(n)); returns how many existed.
   */
  remove(field: string, ...more: [string, ...string[]]): Promise<number>;
  /**
   * Removes fields (`HDEL`): one field gives a boolean, several give the count removed.
   */
  remove(...fields: [string, ...string[]]): Promise<boolean | number>;
  remove(...fields: string[]): Promise<boolean | number> {
    if (fields.length === 0) {
      throw new ArgumentError('remove() needs at least one field', this.errorContext);
    }
    const names = fields.map((field) => this.fieldArg(field));
    return this.write(['HDEL', this.key, ...names], countOrFlag(fields.length));
  }

  /**
   * Removes the fields of a list or iterable (`HDEL`, O(n)); returns how many existed. An empty
   * input sends only a cheap `EXISTS` and returns 0.
   */
  removeMany(fields: Iterable<string>): Promise<number> {
    const names = iterableArg(fields, 'fields', this.errorContext).map((f) => this.fieldArg(f));
    if (names.length === 0) return this.run(nothing(this, () => 0));
    return this.write(['HDEL', this.key, ...names], integer);
  }

  /**
   * Adds `by` (default 1, a safe integer) to a field holding an integer and returns the new
   * value (`HINCRBY`, O(1)). A missing field counts from 0. The field is stored as decimal text,
   * which the Numeric and JSON serializers read back as a number.
   * @throws {@link ArgumentError} for a fractional or unsafe step (nothing is sent).
   */
  incr(field: string, by = 1): Promise<number> {
    return this.write(
      ['HINCRBY', this.key, this.fieldArg(field), this.integerArg(by, 'by')],
      integer,
    );
  }

  /** Subtracts `by` (default 1) from an integer field and returns the new value (`HINCRBY -by`). */
  decr(field: string, by = 1): Promise<number> {
    const name = this.fieldArg(field);
    const step = Number(this.integerArg(by, 'by')); // checked before negating: -'5' is -5
    return this.write(['HINCRBY', this.key, name, String(step === 0 ? 0 : -step)], integer);
  }

  /**
   * Iterates over `[field, value]` pairs without blocking the server (`HSCAN`, O(1) per call,
   * `count` entries per round trip), reading from the master so the cursor stays on one server.
   * Fields present during the whole scan are yielded at least once; a field may be yielded
   * twice, and fields added or removed meanwhile may or may not appear. Not available in a
   * pipeline or transaction.
   *
   * @example
   * ```ts
   * for await (const [field, cart] of carts.scan({ match: 'a*' })) console.log(field, cart);
   * ```
   */
  scan(options?: ScanOptions): AsyncGenerator<[string, T], void, undefined> {
    this.direct('scan()');
    const extra = scanArgs(options, this.errorContext);
    const value = storedValue(this.serializer as Serializer<T>);
    const decode = storedReply(
      this.serializer,
      scanPage((items) => fieldValues(items, value)),
    );
    const master = this.fromMaster();
    return scanAll((cursor) => master.read(['HSCAN', this.key, cursor, ...extra], decode));
  }
}
