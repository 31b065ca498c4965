import { ArgumentError, type ErrorContext } from '../core/errors.js';

/**
 * Checks of the arguments models send to Redis: each returns the argument as the command takes
 * it, or throws an {@link ArgumentError} naming the model and key of `context`, before anything
 * is sent. Shared by every model, so one rule has one wording.
 *
 * @internal
 * @module
 */

/**
 * A wrong argument as errors show it: a number, bigint or boolean as written (`-1`, `NaN`,
 * `true`), anything else by its kind (`a string`, `null`, `an array`...). Strings are never
 * quoted: they may be long, or be data.
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${String(value)}n`;
    case 'undefined':
      return 'undefined';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * An integer argument (a counter step, a value...) as Redis reads it.
 * @throws {@link ArgumentError} unless `value` is a safe integer.
 */
export function integerArg(value: number, name: string, context: ErrorContext): string {
  if (!Number.isSafeInteger(value)) {
    throw new ArgumentError(`${name} must be a safe integer, got ${kindOf(value)}`, context);
  }
  return String(value);
}

/**
 * A duration in **milliseconds** (a ttl, a wait...), as `PX`/`PEXPIRE` take it.
 * @throws {@link ArgumentError} unless `value` is a positive safe integer.
 */
export function msArg(value: number, name: string, context: ErrorContext): string {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ArgumentError(
      `${name} must be a positive integer of milliseconds, got ${kindOf(value)}`,
      context,
    );
  }
  return String(value);
}

/**
 * A count of items (a size, an offset, a number to pop, a `SCAN COUNT`...): a safe integer of
 * at least `min`, 0 by default; pass 1 where nothing is meaningless (`COUNT 0` is a Redis
 * error).
 * @throws {@link ArgumentError} otherwise.
 */
export function countArg(
  value: number,
  name: string,
  context: ErrorContext,
  min: 0 | 1 = 0,
): number {
  if (!Number.isSafeInteger(value) || value < min) {
    const domain = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new ArgumentError(`${name} must be ${domain}, got ${kindOf(value)}`, context);
  }
  return value;
}

/** How a method takes its options object, for {@link optionsArg}. */
export interface OptionsShape {
  /**
   * The method's signature as errors show it, the options argument named `options`:
   * `'set(id, value, options)'`. It says where the options go.
   */
  readonly call: string;
  /** The option names the method knows; any other own key is refused (a typo would be ignored). */
  readonly known: readonly string[];
  /**
   * The option a lone number most likely meant (`ttl`, `timeout`, `count`): the error of
   * `set(id, value, 3600000)` then says to write `{ ttl: 3600000 }`.
   */
  readonly number?: string;
}

const NO_OPTIONS = Object.freeze({});

/**
 * An options argument: `undefined` (no options), or a plain object whose own keys are all
 * known. A number, a string, `null`, an array, a function... where an options object is
 * expected is refused, not read as "no options": `cache.set(id, value, 3600000)` would
 * otherwise store without a ttl.
 * @returns the options, `{}` for `undefined`.
 * @throws {@link ArgumentError} naming the method, the model and the key.
 */
export function optionsArg<O extends object>(
  options: O | undefined,
  shape: OptionsShape,
  context: ErrorContext,
): Partial<O> {
  if (options === undefined) return NO_OPTIONS;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    const type = typeof options;
    const got =
      type === 'number' || type === 'boolean' || type === 'bigint'
        ? `a ${type} (${kindOf(options)})`
        : kindOf(options);
    const hint =
      type === 'number' && shape.number !== undefined
        ? `; write { ${shape.number}: ${String(options)} }`
        : '';
    throw new ArgumentError(
      `${shape.call}: options must be an object like { ${shape.known.join(', ')} }, got ${got}${hint}`,
      context,
    );
  }
  for (const name in options) {
    if (!Object.hasOwn(options, name)) continue;
    if (!shape.known.includes(name)) {
      throw new ArgumentError(
        `${shape.call}: unknown option ${JSON.stringify(name.slice(0, 40))} (known: ${shape.known.join(', ')})`,
        context,
      );
    }
  }
  return options;
}

/**
 * A `signal` option: an AbortSignal or `undefined`.
 * @throws {@link ArgumentError} naming `call`, the model and the key.
 */
export function signalOption(
  value: unknown,
  call: string,
  context: ErrorContext,
): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new ArgumentError(
      `${call}: signal must be an AbortSignal, got ${kindOf(value)}`,
      context,
    );
  }
  return value;
}

/**
 * A yes/no option (`ifAbsent`, `withScores`...): `true`, `false` or `undefined` (= false).
 * Anything else is refused: `{ ifAbsent: 'false' }` would otherwise mean yes.
 * @throws {@link ArgumentError}
 */
export function flagOption(value: unknown, name: string, context: ErrorContext): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new ArgumentError(`${name} must be true or false, got ${kindOf(value)}`, context);
  }
  return value;
}

/**
 * A collection argument (`pushMany(items)`, `getMany(fields)`...): any iterable object (an
 * array, a Set, a generator...). A string is refused: its characters are not items.
 * @throws {@link ArgumentError}
 */
export function iterableArg<T>(value: Iterable<T>, name: string, context: ErrorContext): T[] {
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof (value as Partial<Iterable<T>>)[Symbol.iterator] !== 'function'
  ) {
    throw new ArgumentError(
      `${name} must be an iterable (an array, a Set...), got ${kindOf(value)}`,
      context,
    );
  }
  return [...value];
}

/**
 * One `[a, b]` entry of a collection argument (`addMany([[element, score]])`, a Map's entries,
 * `setMany([[field, value]])`).
 * @param what - the pair as errors show it: `'[element, score]'`.
 * @throws {@link ArgumentError} unless it is an array of two items.
 */
export function pairArg<A, B>(entry: readonly [A, B], what: string, context: ErrorContext): [A, B] {
  if (!Array.isArray(entry) || entry.length !== 2) {
    throw new ArgumentError(`each entry must be a ${what} pair, got ${kindOf(entry)}`, context);
  }
  return [entry[0], entry[1]] as [A, B];
}
