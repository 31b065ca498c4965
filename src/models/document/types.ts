/**
 * The types of the Document model: what users write (`DocumentFields`, `NumericField`, options)
 * and what a compiled schema is made of (`Codec`, `FieldPlan`, `SchemaPlan`).
 *
 * @module
 */

/** The data properties of a schema class `T` (its methods left out), as `save()` takes them. */
export type DocumentFields<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K];
};

/** The names of the fields of `T`. */
export type FieldName<T> = Extract<keyof DocumentFields<T>, string>;

/** The names of the fields of `T` that hold numbers: what `incr()` accepts. */
export type NumericField<T> = {
  [K in FieldName<T>]-?: [NonNullable<T[K]>] extends [number] ? K : never;
}[FieldName<T>];

/** Options of {@link Document.save}. */
export interface DocumentSaveOptions {
  /**
   * A time to live in **milliseconds**, set in the same step (`PEXPIRE`). Default: the class
   * `TTL` if set, else the key's time to live is left as it is.
   */
  ttl?: number;
}

/** A problem found while validating, before it becomes part of a `ValidationError`. */
export interface Problem {
  /** The field's path. */
  field: string;
  /** What is wrong. */
  problem: string;
}

/**
 * How one type is checked, stored and read back. A top-level field is stored as `text` and read
 * by `parse`; inside a JSON value (an array item, a nested class's field) it is `json` and
 * `revive`. `check` adds a problem per bad spot to `problems` and never throws.
 * @internal
 */
export interface Codec {
  /** What the type is, as problems say it: `a number`, `an array of Date`... */
  readonly expected: string;
  /** Checks a value; `path` names it in problems. */
  check(value: unknown, path: string, problems: Problem[]): void;
  /** The stored text of a checked value (a hash field). */
  text(value: unknown): string;
  /** A stored text back to a value. @throws Error saying what is wrong. */
  parse(text: string): unknown;
  /** A checked value as a JSON value (inside a nested value). */
  json(value: unknown): unknown;
  /** A JSON value back to a value. @throws Error saying what is wrong (`path` in it). */
  revive(json: unknown, path: string): unknown;
}

/** One field of a compiled schema. @internal */
export interface FieldPlan {
  readonly name: string;
  readonly optional: boolean;
  /** Whether it holds numbers (`incr()` takes it). */
  readonly numeric: boolean;
  readonly codec: Codec;
}

/** A schema class compiled once: its fields and how to build an instance. @internal */
export interface SchemaPlan {
  /** The schema class. */
  readonly cls: new () => object;
  /** The fields, in declaration order (base classes' first). */
  readonly fields: readonly FieldPlan[];
  /** The fields by name (a `Map`: a field named `__proto__` is data). */
  readonly byName: ReadonlyMap<string, FieldPlan>;
}
