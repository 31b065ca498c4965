import { Expose, Transform } from 'class-transformer';
import {
  fieldOptions,
  type FieldOptions,
  type FieldSpec,
  type FieldType,
} from './field-options.js';

export type { FieldOptions, FieldSpec, FieldType } from './field-options.js';

/**
 * The decorators of this package work in both of TypeScript's decorator modes:
 *
 * - `experimentalDecorators: true` (legacy): a property decorator is called with
 *   `(prototype, name)`, a class decorator with `(constructor)`;
 * - standard (TC39) decorators, the default without that option: `(value, context)`, where
 *   `context.kind` says what is decorated. A field decorator gets no prototype there: `@field()`
 *   writes its name in `context.metadata`, read when the class is registered.
 *
 * `context.metadata` exists only when `Symbol.metadata` does (TypeScript, esbuild and Babel read
 * it when the class is defined). Node 20 has none, so this module sets it, as TypeScript's
 * release notes advise, to the registry symbol `Symbol.for('Symbol.metadata')` (other copies of
 * this package, or other libraries doing the same, agree on it). It never replaces an existing one.
 */
const symbols = Symbol as unknown as { metadata?: symbol };
symbols.metadata ??= Symbol.for('Symbol.metadata');
const METADATA: symbol = symbols.metadata;

/** Where `@field()` keeps the names it marks, in a class's decorator metadata (own property). */
const FIELDS = Symbol('redisext.fields');
/** Where `@field(...)` keeps the options it was given, by name, in a class's decorator metadata. */
const SPECS = Symbol('redisext.field-specs');

/** Any class, abstract or not, whatever its constructor takes. @internal */
export type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * What `@field()` returns: a property decorator for either decorator mode. The standard
 * signatures take only public, non-static, string-named fields (and `accessor` fields).
 */
export interface DualFieldDecorator {
  /** `experimentalDecorators: true`: called with the class prototype and the property name. */
  (prototype: object, propertyKey: string): void;
  /** Standard decorators, on a field: `@field() name = ''`. */
  <This, V>(
    value: undefined,
    context: ClassFieldDecoratorContext<This, V> & { name: string; private: false; static: false },
  ): void;
  /** Standard decorators, on an auto-accessor: `@field() accessor name = ''`. */
  <This, V>(
    value: ClassAccessorDecoratorTarget<This, V>,
    context: ClassAccessorDecoratorContext<This, V> & {
      name: string;
      private: false;
      static: false;
    },
  ): void;
}

/**
 * What `@serializable()` and `@model()` return: a class decorator for either decorator mode,
 * called with the class (`experimentalDecorators: true`) or with the class and its context
 * (standard decorators).
 */
export type DualClassDecorator = (
  value: abstract new (...args: never[]) => unknown,
  context?: ClassDecoratorContext,
) => void;

/** The context object of a standard decorator call (anything else is a legacy call). */
interface StandardContext {
  readonly kind: string;
  readonly name: string | symbol | undefined;
  readonly static?: boolean;
  readonly private?: boolean;
  readonly metadata?: Record<PropertyKey, unknown>;
  addInitializer(initializer: (this: unknown) => void): void;
}

function isStandardContext(value: unknown): value is StandardContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

const described = (name: PropertyKey | undefined): string =>
  typeof name === 'symbol' ? name.toString() : `"${String(name)}"`;

/** Field names per class prototype (the stored names, class-transformer's `@Expose` done). */
const fieldsOf = new WeakMap<object, string[]>();
/** The options of legacy `@field(...)` calls per class prototype, by name. */
const legacySpecs = new WeakMap<object, globalThis.Map<string, FieldOptions>>();

function declareField(prototype: object, name: string): void {
  const list = fieldsOf.get(prototype) ?? [];
  if (list.includes(name)) return;
  list.push(name);
  fieldsOf.set(prototype, list);
  Expose()(prototype, name);
  // The value arrives already revived (Date, Map, nested instance...): keep it as it is.
  Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true })(
    prototype,
    name,
  );
}

/**
 * Declares on `cls.prototype` the fields that standard-mode `@field()` wrote in the class's
 * decorator metadata, its base classes' included. `metadata` is the class's own (a class
 * decorator gets it before `Symbol.metadata` is set on the class); default: the one set.
 * @internal
 */
export function adoptFields(cls: AnyClass, metadata?: object): void {
  const statics = cls as unknown as Record<symbol, unknown>;
  let level = (metadata ?? statics[METADATA]) as Record<symbol, unknown> | null | undefined;
  const names: string[] = [];
  for (; level; level = Object.getPrototypeOf(level) as Record<symbol, unknown> | null) {
    if (Object.hasOwn(level, FIELDS)) names.unshift(...(level[FIELDS] as string[]));
  }
  for (const name of names) declareField(cls.prototype as object, name);
}

/** The names of a class's stored fields, its base classes' included, in declaration order. @internal */
export function storedFields(cls: AnyClass): string[] {
  const names: string[] = [];
  for (
    let proto = cls.prototype as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of fieldsOf.get(proto) ?? []) if (!names.includes(name)) names.push(name);
  }
  return names;
}

function legacyField(
  target: unknown,
  key: unknown,
  descriptor: unknown,
  options: FieldOptions | undefined,
): void {
  if (typeof target === 'function') {
    throw new TypeError(
      `@field() cannot mark the static property ${described(key as PropertyKey)} of ${target.name}: only instance properties are stored`,
    );
  }
  if (typeof target !== 'object' || target === null || key === undefined) {
    throw new TypeError(
      '@field() was called with unexpected arguments: it takes (prototype, name) under experimentalDecorators, (value, context) under standard decorators',
    );
  }
  if (typeof key !== 'string') {
    throw new TypeError(
      `@field() needs a string property name, got ${described(key as PropertyKey)} (experimentalDecorators)`,
    );
  }
  if (descriptor !== undefined) {
    throw new TypeError(
      `@field() marks a property, not a method or accessor ("${key}", experimentalDecorators)`,
    );
  }
  declareField(target, key);
  if (options !== undefined) {
    let specs = legacySpecs.get(target);
    if (specs === undefined) legacySpecs.set(target, (specs = new globalThis.Map()));
    specs.set(key, options);
  }
}

function standardField(context: StandardContext, options: FieldOptions | undefined): void {
  const name = described(context.name);
  if (context.kind !== 'field' && context.kind !== 'accessor') {
    throw new TypeError(
      `@field() marks a class field, not a ${context.kind} (${name}, standard decorators)`,
    );
  }
  if (context.static) {
    throw new TypeError(
      `@field() cannot mark the static field ${name}: only instance fields are stored (standard decorators)`,
    );
  }
  if (context.private) {
    throw new TypeError(
      `@field() cannot mark the private field ${name}: the Typed serializer reads public properties (standard decorators)`,
    );
  }
  if (typeof context.name !== 'string') {
    throw new TypeError(`@field() needs a string property name, got ${name} (standard decorators)`);
  }
  const metadata = context.metadata;
  if (metadata === undefined) {
    throw new TypeError(
      `@field() on ${name}: standard decorators gave no context.metadata: Symbol.metadata must exist when the class is defined (redisext sets it when loaded) and the compiler must support it (TypeScript 5.2+, esbuild 0.21+), or use experimentalDecorators: true`,
    );
  }
  if (!Object.hasOwn(metadata, FIELDS)) metadata[FIELDS] = [];
  const list = metadata[FIELDS] as string[];
  if (!list.includes(context.name)) list.push(context.name);
  if (options !== undefined) {
    if (!Object.hasOwn(metadata, SPECS)) metadata[SPECS] = Object.create(null);
    (metadata[SPECS] as Record<string, FieldOptions>)[context.name] = options;
  }
}

/**
 * Marks a property as stored: by the Typed serializer (only decorated properties are written and
 * read back: class-transformer's `@Expose`, used with `excludeExtraneousValues`) and by the
 * `Document` model (one hash field each). Works with `experimentalDecorators` and with standard
 * decorators (a field or an `accessor` field).
 *
 * The argument, for the `Document` model (the Typed serializer ignores it: its nested values
 * carry their own tags), is the field's type or its options:
 * - `@field()`: a required field, its type read from TypeScript's metadata
 *   (`experimentalDecorators` with `emitDecoratorMetadata`);
 * - `@field(Number)`, `@field([String])` (an array of strings), `@field(Address)` (a class of
 *   `@field()`s): the type named, as standard decorators need;
 * - `@field({ type: Number, optional: true })`: options (both may be left out).
 *
 * @example
 * ```ts
 * @serializable('Order')
 * class Order {
 *   @field() id = '';
 *   @field() placed = new Date();
 *   @field({ type: [OrderLine] }) lines: OrderLine[] = [];
 *   @field({ optional: true }) note?: string;
 *   cached?: string; // not stored
 * }
 * ```
 * @throws TypeError when used without parentheses (`@field`), on a method, a static, private
 * or symbol-named property, or with an argument that is neither a type nor {@link FieldOptions}.
 */
export function field(typeOrOptions?: FieldType | FieldOptions): DualFieldDecorator {
  if (arguments.length > 1) {
    throw new TypeError('@field is a decorator factory: write @field(), with parentheses');
  }
  const options = fieldOptions(typeOrOptions);
  return ((target: unknown, context: unknown, descriptor?: unknown): void => {
    if (isStandardContext(context)) standardField(context, options);
    else legacyField(target, context, descriptor, options);
  }) as DualFieldDecorator;
}

/**
 * The fields of a class as declared, its base classes' included (base fields first, each name
 * once: the most derived declaration wins), with what each `@field(...)` said. Reads either
 * decorator mode: the legacy registry and the standard decorator metadata of the class chain.
 * @internal
 */
export function fieldSpecs(cls: AnyClass): FieldSpec[] {
  const chain: AnyClass[] = [];
  for (
    let level = cls as AnyClass | null;
    typeof level === 'function' && level !== Function.prototype;
    level = Object.getPrototypeOf(level) as AnyClass | null
  ) {
    chain.unshift(level);
  }
  const byName = new globalThis.Map<string, FieldSpec>();
  for (const owner of chain) {
    const proto = owner.prototype as object | undefined;
    const legacy = proto === undefined ? undefined : fieldsOf.get(proto);
    const specs = proto === undefined ? undefined : legacySpecs.get(proto);
    for (const name of legacy ?? []) {
      byName.delete(name);
      byName.set(name, { name, optional: false, ...specs?.get(name), owner });
    }
    const metadata = (owner as unknown as Record<symbol, unknown>)[METADATA] as
      Record<symbol, unknown> | null | undefined;
    if (metadata && Object.hasOwn(owner, METADATA) && Object.hasOwn(metadata, FIELDS)) {
      const own = Object.hasOwn(metadata, SPECS)
        ? (metadata[SPECS] as Record<string, FieldOptions>)
        : undefined;
      for (const name of metadata[FIELDS] as string[]) {
        byName.delete(name);
        byName.set(name, { name, optional: false, ...own?.[name], owner });
      }
    }
  }
  return [...byName.values()].map((spec) => ({ ...spec, optional: spec.optional === true }));
}

/**
 * Checks the arguments a class decorator got, in either mode: returns the standard context, or
 * undefined for a legacy call. `decorator` names it in errors (`@model()`).
 * @throws TypeError when it decorates something other than a class.
 * @internal
 */
export function classCall(
  decorator: string,
  target: unknown,
  context: unknown,
): ClassDecoratorContext | undefined {
  if (isStandardContext(context)) {
    if (context.kind !== 'class') {
      throw new TypeError(
        `${decorator} decorates a class, not a ${context.kind} (${described(context.name)}, standard decorators)`,
      );
    }
    return context as unknown as ClassDecoratorContext;
  }
  if (context !== undefined) {
    throw new TypeError(
      `${decorator} decorates a class, not the member ${described(context as PropertyKey)} (experimentalDecorators)`,
    );
  }
  if (typeof target !== 'function') {
    throw new TypeError(`${decorator} decorates a class, got ${typeof target}`);
  }
  return undefined;
}
