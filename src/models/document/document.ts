import type { RedisArg } from '../../core/command.js';
import { ArgumentError, ConfigError, ValidationError } from '../../core/errors.js';
import { double, integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { ModelStatics } from '../config.js';
import { Model } from '../model.js';
import { kindOf, optionsArg } from '../args.js';
import { nothing } from '../collection.js';
import { ttlArg } from '../cache/ttl.js';
import { schemaPlan } from './schema.js';
import { documentOf, parseField } from './stored.js';
import { checkFields } from './validate.js';
import type {
  DocumentFields,
  DocumentSaveOptions,
  FieldName,
  FieldPlan,
  NumericField,
  Problem,
  SchemaPlan,
} from './types.js';

const saveScript = Script.of('doc-save-1');
const SAVE_OPTIONS = { call: 'save(doc, options)', known: ['ttl'], number: 'ttl' };
const done = (): void => undefined;

/**
 * A document with a schema, stored as a Redis hash: one hash field per `@field()` property of
 * the class `SCHEMA`, each as readable text (numbers as decimal text, booleans `1`/`0`, dates
 * ISO 8601 in UTC, nested values as JSON), so `redis-cli HGETALL` and a Python service read it.
 * `save` and `update` validate first (a {@link ValidationError} listing every bad field; nothing
 * is written); `load` gives an instance of the schema class. Each operation is one command or
 * one script: it works in pipelines and transactions, on the cluster, and reads from replicas
 * when the Connection has them. The layout is docs/models/document.md.
 *
 * Configuration: `SCHEMA` (or `@model({ schema })`), and `TTL`, the default `ttl` of `save` in
 * milliseconds; the other statics are those of {@link Model}. `SERIALIZER` is not used.
 *
 * @typeParam T - the schema class's instance type.
 *
 * @example
 * ```ts
 * class User {
 *   @field() name!: string;
 *   @field({ optional: true }) age?: number;
 *   @field() created!: Date;
 *   @field([String]) tags!: string[];
 * }
 * @model({ connection: Main, prefix: 'users', schema: User })
 * class Users extends Document<User> {}
 *
 * const u = new Users('42');
 * await u.save({ name: 'Ann', age: 30, created: new Date(), tags: ['a'] });
 * await u.incr('age');   // 31
 * await u.load();        // a User
 * ```
 */
export class Document<T extends object = object> extends Model {
  /** The class whose `@field()` properties make the document. */
  static SCHEMA?: new () => object;
  /** Default time to live of `save()`, in **milliseconds** (none: the key's ttl is kept). */
  static TTL?: number;

  /** The compiled schema of this class (compiled once per schema class). */
  get #plan(): SchemaPlan {
    const schema = (this.constructor as ModelStatics).SCHEMA;
    if (schema === undefined) {
      throw new ConfigError(
        'no SCHEMA: set static SCHEMA or @model({ schema })',
        this.errorContext,
      );
    }
    return schemaPlan(schema);
  }

  /** Throws the ValidationError of `problems`, if any. */
  #reject(problems: Problem[]): void {
    if (problems.length > 0) throw new ValidationError(problems, this.errorContext);
  }

  /** A document or changes argument: an object. */
  #objectArg(value: unknown, call: string): object {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ArgumentError(`${call} takes an object, got ${kindOf(value)}`, this.errorContext);
    }
    return value;
  }

  /** The field and value pairs to set, and the fields to remove, of a checked `value`. */
  #changes(plan: SchemaPlan, value: object, partial: boolean): [RedisArg[], string[]] {
    const record = value as Record<string, unknown>;
    const set: RedisArg[] = [];
    const remove: string[] = [];
    for (const field of plan.fields) {
      const item = record[field.name];
      if (item !== undefined) set.push(field.name, field.codec.text(item));
      else if (!partial || Object.hasOwn(value, field.name)) remove.push(field.name);
    }
    return [set, remove];
  }

  /** HSET of `set` alone, or the save script when fields go or a ttl is set. */
  #write(set: RedisArg[], remove: string[], ttl: string | undefined): Promise<void> {
    if (set.length === 0 && remove.length === 0) return this.run(nothing(this, done));
    if (remove.length === 0 && ttl === undefined) {
      return this.write(['HSET', this.key, ...set], done);
    }
    return this.script(
      saveScript,
      [this.key],
      [ttl ?? '', String(set.length / 2), ...set, ...remove],
      {
        write: true,
        decode: done,
      },
    );
  }

  /**
   * Stores the whole document: every field (`HSET`), the optional fields it lacks removed
   * (`HDEL`), and with a `ttl` (or the class `TTL`) the time to live (`PEXPIRE`), in one step
   * (one `HSET` when nothing is removed and no ttl is set, else one script). O(fields). Stored
   * fields the schema does not name are left as they are.
   * @throws {@link ValidationError} listing every bad field (missing, wrong type, unknown,
   * non-finite number, invalid Date); {@link ArgumentError} for bad options. Nothing is sent.
   */
  save(doc: DocumentFields<T>, options?: DocumentSaveOptions): Promise<void> {
    const { ttl } = optionsArg(options, SAVE_OPTIONS, this.errorContext);
    const plan = this.#plan;
    const value = this.#objectArg(doc, 'save(doc)');
    const problems: Problem[] = [];
    checkFields(plan, value, '', problems, { partial: false });
    this.#reject(problems);
    const ttlMs = ttlArg(ttl, (this.constructor as ModelStatics).TTL, this.errorContext);
    const [set, remove] = this.#changes(plan, value, false);
    return this.#write(set, remove, ttlMs);
  }

  /**
   * Stores the given fields only (`HSET`, O(fields given)); an optional field given as
   * `undefined` is removed (then one script: `HSET` and `HDEL`). Does not check that the
   * document exists: on a missing key it stores a partial document. An empty object sends only
   * a cheap `EXISTS`.
   * @throws {@link ValidationError} listing every bad field (wrong type, unknown, a required
   * field given as `undefined`). Nothing is sent.
   */
  update(changes: Partial<DocumentFields<T>>): Promise<void> {
    const plan = this.#plan;
    const value = this.#objectArg(changes, 'update(changes)');
    const problems: Problem[] = [];
    checkFields(plan, value, '', problems, { partial: true });
    this.#reject(problems);
    const [set, remove] = this.#changes(plan, value, true);
    return this.#write(set, remove, undefined);
  }

  /**
   * The document (`HGETALL`, O(fields)): a new instance of the schema class, or null when the
   * key does not exist. Stored fields the schema does not name are ignored; a field the class's
   * constructor gives a default keeps it when it is not stored.
   * @throws {@link DecodeError} naming the field that does not parse, or a required field that
   * is not stored and has no default.
   */
  load(): Promise<T | null> {
    const plan = this.#plan;
    return this.cachedRead(
      'HGETALL',
      ['HGETALL', this.key],
      (reply) => documentOf(plan, reply) as T | null,
    );
  }

  /** A known field by name, checked before sending. */
  #field(name: unknown, call: string): FieldPlan {
    const field = typeof name === 'string' ? this.#plan.byName.get(name) : undefined;
    if (field === undefined) {
      throw new ArgumentError(
        `${call}: ${typeof name === 'string' ? JSON.stringify(name.slice(0, 40)) : kindOf(name)} is not a field of ${this.#plan.cls.name}`,
        this.errorContext,
      );
    }
    return field;
  }

  /**
   * One field's value (`HGET`, O(1)), or null when it is not stored (or the key is absent).
   * @throws {@link ArgumentError} for a name the schema does not have; {@link DecodeError} when
   * the stored value does not parse.
   */
  get<K extends FieldName<T>>(field: K): Promise<Exclude<T[K], undefined> | null> {
    const plan = this.#field(field, 'get(field)');
    return this.cachedRead(`HGET ${plan.name}`, ['HGET', this.key, plan.name], (reply) =>
      reply === null || reply === undefined
        ? null
        : (parseField(plan, reply) as Exclude<T[K], undefined>),
    );
  }

  /**
   * Adds `by` (default 1) to a numeric field and returns the new value: `HINCRBY` for an
   * integer step (the stored value must be an integer), `HINCRBYFLOAT` for a fractional one.
   * A field not stored counts from 0 (on a missing key, a document of that field alone is made).
   * O(1). Only fields of type number type-check.
   * @throws {@link ArgumentError} for a field that is not a number field, or a step that is
   * not finite (or an unsafe integer).
   */
  incr(field: NumericField<T>, by = 1): Promise<number> {
    const plan = this.#field(field, 'incr(field, by)');
    if (!plan.numeric) {
      throw new ArgumentError(
        `incr(field, by): "${plan.name}" holds ${plan.codec.expected}, not a number`,
        this.errorContext,
      );
    }
    if (typeof by !== 'number' || !Number.isFinite(by)) {
      throw new ArgumentError(`by must be a finite number, got ${kindOf(by)}`, this.errorContext);
    }
    if (Number.isInteger(by)) {
      return this.write(['HINCRBY', this.key, plan.name, this.integerArg(by, 'by')], integer);
    }
    return this.write(['HINCRBYFLOAT', this.key, plan.name, String(by)], (reply) =>
      Number(double(reply)),
    );
  }
}
