import { asText, SerializationFailure, type Serializer } from './serializer.js';
import { classCall, type DualClassDecorator } from './decorators.js';
import { pack } from './typed-pack.js';
import { register, type TypedClass } from './typed-registry.js';
import { unpack } from './typed-unpack.js';

export { field, type DualClassDecorator, type DualFieldDecorator } from './decorators.js';
export type { TypedClass } from './typed-registry.js';

/**
 * Registers a class with the Typed serializer under a stable tag (default: the class name).
 * The tag is what is stored, so keep it when renaming the class. The class must be
 * constructible without arguments. Works with `experimentalDecorators` and with standard
 * decorators.
 *
 * @example
 * ```ts
 * @serializable('User')
 * class User { @field() name = ''; }
 * ```
 * @throws TypeError when used without parentheses (`@serializable`), on something other than
 * a class, or with a tag that is taken.
 */
export function serializable(tag?: string): DualClassDecorator {
  if (tag !== undefined && typeof tag !== 'string') {
    throw new TypeError(
      "@serializable is a decorator factory: write @serializable() or @serializable('Tag')",
    );
  }
  return (target, context) => {
    const standard = classCall('@serializable()', target, context);
    register(target as unknown as TypedClass, tag ?? target.name, standard?.metadata);
  };
}

/** Registers a class with the Typed serializer; see {@link serializable}. */
export function registerClass<T extends object>(cls: TypedClass<T>, tag: string = cls.name): void {
  register(cls, tag);
}

/**
 * The safe equivalent of Python's pickle. Stores JSON in which class instances, `Date`, `Map`,
 * `Set`, `BigInt`, `NaN`/`Infinity`/`-0` and `undefined` array items carry a `$t` type tag, so
 * they come back as they were, at any depth. Plain JSON values are stored exactly as the JSON
 * serializer stores them.
 *
 * Only classes registered with {@link serializable} (or {@link registerClass}) are revived, only
 * their {@link field} properties are read (class-transformer's mapping with
 * `excludeExtraneousValues`, compiled into a plan once per class), `__proto__`, `constructor` and
 * `prototype` keys are ignored, and no code is ever evaluated.
 */
export const Typed: Serializer<unknown> & {
  /** Registers a class; see {@link registerClass}. */
  register<T extends object>(cls: TypedClass<T>, tag?: string): void;
} = {
  name: 'Typed',
  register: registerClass,
  encode(value: unknown): string {
    return JSON.stringify(pack(value, new Set()));
  },
  decode(raw: string | Buffer): unknown {
    const value = unpack(JSON.parse(asText(raw)));
    // Only array items are stored as undefined: a whole value never is (encode refuses it).
    if (value === undefined) throw new SerializationFailure('stored value is a bare undefined');
    return value;
  },
};
