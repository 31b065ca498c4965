/**
 * The argument of `@field(...)`: a field's type or its options, as the `Document` model reads
 * them (see `field` in decorators.ts), and their check.
 *
 * @module
 */

/**
 * The type of a field, named in `@field(...)`: a class (`String`, `Number`, `Boolean`, `Date`,
 * `BigInt`, `Object`, `Array`, or a class whose properties are `@field()`s), or an array of one
 * such type in brackets: `[String]` is an array of strings, `[[Number]]` an array of arrays of
 * numbers. What each one means is the reader's business (the `Document` model's, for one).
 */
export type FieldType =
  (abstract new (...args: never[]) => unknown) | BigIntConstructor | readonly [FieldType];

/** The options of `@field({...})`. */
export interface FieldOptions {
  /**
   * The field's type: needed under standard decorators (no type metadata exists there); with
   * `experimentalDecorators` and `emitDecoratorMetadata` the declared type is read when omitted.
   */
  type?: FieldType;
  /** Whether the field may be absent (`undefined`). Default: false, the field is required. */
  optional?: boolean;
}

/** A field as declared: its name and what its `@field(...)` said (type and optional, if given). */
export interface FieldSpec {
  /** The property name. */
  readonly name: string;
  /** The type named in the decorator; undefined when none was (see {@link FieldOptions.type}). */
  readonly type?: FieldType;
  /** Whether the field may be absent. */
  readonly optional: boolean;
  /** The class that declares the field (a base class for an inherited field). */
  readonly owner: abstract new (...args: never[]) => unknown;
}

const OPTION_NAMES = new Set(['type', 'optional']);

/** Whether `value` spells a field type: a function, or `[type]`. */
function isFieldType(value: unknown): value is FieldType {
  if (typeof value === 'function') return true;
  return Array.isArray(value) && value.length === 1 && isFieldType(value[0]);
}

/** The options `@field(...)` got, checked; undefined for `@field()`. */
export function fieldOptions(given: unknown): FieldOptions | undefined {
  if (given === undefined) return undefined;
  if (isFieldType(given)) return { type: given };
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new TypeError(
      '@field() takes a type (String, Number, Boolean, Date, BigInt, Object, a class, or [type] for an array of it) or options { type?, optional? }',
    );
  }
  for (const name of Object.keys(given)) {
    if (!OPTION_NAMES.has(name)) {
      throw new TypeError(`@field() has no option "${name}" (known: type, optional)`);
    }
  }
  const { type, optional } = given as FieldOptions;
  if (type !== undefined && !isFieldType(type)) {
    throw new TypeError(
      '@field({ type }) must be a class (String, Number, Boolean, Date, BigInt, Object, Array, a class of @field()s) or [type] for an array of it',
    );
  }
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new TypeError('@field({ optional }) must be a boolean');
  }
  return { type, optional };
}
