import { isWellFormed } from '../../serializers/serializer.js';
import type { Codec, Problem, SchemaPlan } from './types.js';
import { checkFields, described, pathOf } from './validate.js';

/**
 * One codec per field type: how a value is checked, its stored text (a hash field), its JSON
 * form inside a nested value, and the way back. The stored forms are the ones
 * docs/models/document.md lists.
 *
 * @internal
 * @module
 */

/** Decimal text of a finite number: `42`, `-1.5`, `1e+21` (what `String(n)` writes). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Decimal text of an integer. */
const INTEGER = /^[+-]?\d+$/;
/** ISO 8601 date and time with an offset (`Z` or `±hh:mm`); seconds and fractions optional. */
const ISO_DATE =
  /^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** A value that is not of the expected type, as a problem. */
function wrong(problems: Problem[], path: string, expected: string, value: unknown): void {
  problems.push({ field: path, problem: `expected ${expected}, got ${described(value)}` });
}

/** A short, quoted sample of a stored text for error messages. */
function sample(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** A codec whose JSON form is its text form, or the value itself. */
interface Scalar {
  expected: string;
  is(value: unknown): boolean;
  /** Why a value of the right JS type is still refused (NaN, invalid Date...), if it is. */
  refuse?(value: unknown): string | undefined;
  text(value: unknown): string;
  parse(text: string): unknown;
  /** The JSON form (default: the value). */
  json?(value: unknown): unknown;
  /** Reads the JSON form (default: the value, if `is`). */
  revive?(json: unknown): unknown;
}

function scalar(spec: Scalar): Codec {
  const json = spec.json ?? ((value: unknown) => value);
  const revive =
    spec.revive ??
    ((value: unknown) => {
      if (!spec.is(value)) throw new Error(`not ${spec.expected}`);
      return value;
    });
  return {
    expected: spec.expected,
    check(value, path, problems) {
      if (!spec.is(value)) return wrong(problems, path, spec.expected, value);
      const refused = spec.refuse?.(value);
      if (refused !== undefined) problems.push({ field: path, problem: refused });
    },
    text: spec.text,
    parse: spec.parse,
    json,
    revive(value, path) {
      try {
        return revive(value);
      } catch (error) {
        throw new Error(`${path}: ${(error as Error).message}`);
      }
    },
  };
}

/** Text: stored as it is (UTF-8). */
export const stringCodec = scalar({
  expected: 'a string',
  is: (value) => typeof value === 'string',
  refuse: (value) =>
    isWellFormed(value as string)
      ? undefined
      : 'a string with a lone UTF-16 surrogate (Redis would store U+FFFD)',
  text: (value) => value as string,
  parse: (text) => text,
});

/** A finite number: decimal text (`String(n)`; `-0` is stored as `0`). */
export const numberCodec = scalar({
  expected: 'a number',
  is: (value) => typeof value === 'number',
  refuse: (value) =>
    Number.isFinite(value) ? undefined : `${String(value)}: only finite numbers are stored`,
  text: (value) => String(value),
  parse: (text) => {
    const value = NUMBER.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${sample(text)}`);
    return value;
  },
  revive: (json) => {
    if (typeof json !== 'number' || !Number.isFinite(json)) {
      throw new Error(`not a finite number: ${described(json)}`);
    }
    return json;
  },
});

/** A boolean: `1` or `0` in a hash field; `true`/`false` inside JSON. */
export const booleanCodec = scalar({
  expected: 'a boolean',
  is: (value) => typeof value === 'boolean',
  text: (value) => (value ? '1' : '0'),
  parse: (text) => {
    if (text === '1') return true;
    if (text === '0') return false;
    throw new Error(`not a boolean (1 or 0): ${sample(text)}`);
  },
});

/** A Date: ISO 8601 in UTC with milliseconds (`toISOString()`), in a hash field and in JSON. */
export const dateCodec = scalar({
  expected: 'a Date',
  is: (value) => value instanceof Date,
  refuse: (value) => (Number.isNaN((value as Date).getTime()) ? 'an invalid Date' : undefined),
  text: (value) => (value as Date).toISOString(),
  parse: (text) => {
    const date = ISO_DATE.test(text) ? new Date(text) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw new Error(`not an ISO 8601 date with an offset: ${sample(text)}`);
    }
    return date;
  },
  json: (value) => (value as Date).toISOString(),
  revive: (json) => {
    if (typeof json !== 'string') throw new Error(`not a Date (ISO 8601 text): ${described(json)}`);
    return dateCodec.parse(json);
  },
});

/** A bigint: decimal text, in a hash field and (as a string) in JSON. */
export const bigintCodec = scalar({
  expected: 'a bigint',
  is: (value) => typeof value === 'bigint',
  text: (value) => (value as bigint).toString(),
  parse: (text) => {
    if (!INTEGER.test(text)) throw new Error(`not an integer: ${sample(text)}`);
    return BigInt(text);
  },
  json: (value) => (value as bigint).toString(),
  revive: (json) => {
    if (typeof json !== 'string')
      throw new Error(`not a bigint (decimal text): ${described(json)}`);
    return bigintCodec.parse(json);
  },
});

/** Adds a problem for each spot of `value` that JSON would not keep as it is. */
function checkJson(value: unknown, path: string, problems: Problem[], seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) stringCodec.check(value, path, problems);
      return;
    case 'boolean':
      return;
    case 'number':
      return numberCodec.check(value, path, problems);
    case 'object':
      break;
    default:
      return wrong(problems, path, 'a JSON value', value);
  }
  if (value === null) return;
  if (seen.has(value)) {
    problems.push({ field: path, problem: 'a circular structure' });
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    problems.push({
      field: path,
      problem: `expected plain JSON, got ${described(value)} (name its type in @field() to store it)`,
    });
    return;
  }
  seen.add(value);
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJson(item, `${path}[${i}]`, problems, seen));
  } else {
    for (const [name, item] of Object.entries(value)) {
      if (item !== undefined) checkJson(item, pathOf(path, name), problems, seen);
    }
  }
  seen.delete(value);
}

/** Plain JSON (`Object`: interfaces, unions; `Array` without an item type): stored as JSON. */
function jsonCodec(expected: string, is: (value: unknown) => boolean): Codec {
  return {
    expected,
    check(value, path, problems) {
      if (!is(value)) return wrong(problems, path, expected, value);
      checkJson(value, path, problems, new Set());
    },
    text: (value) => JSON.stringify(value),
    parse(text) {
      const value = JSON.parse(text) as unknown;
      if (!is(value)) throw new Error(`not ${expected}: ${sample(text)}`);
      return value;
    },
    json: (value) => value,
    revive(value, path) {
      if (!is(value)) throw new Error(`${path}: not ${expected}`);
      return value;
    },
  };
}

/** Any JSON value (`Object`). */
export const anyJsonCodec = jsonCodec('a JSON value', () => true);
/** An array of JSON values (`Array` without an item type). */
export const jsonArrayCodec = jsonCodec('an array', Array.isArray);

/** A JSON codec's `parse`: the text as JSON, then revived. */
function parseJson(codec: Codec, text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${sample(text)}`);
  }
  return codec.revive(json, '');
}

/** `[type]`: an array of `item`, stored as a JSON array. */
export function arrayCodec(item: Codec): Codec {
  const codec: Codec = {
    expected: `an array of ${item.expected.replace(/^an? /, '')}`,
    check(value, path, problems) {
      if (!Array.isArray(value)) return wrong(problems, path, codec.expected, value);
      for (let i = 0; i < value.length; i++) item.check(value[i], `${path}[${i}]`, problems);
    },
    text: (value) => JSON.stringify(codec.json(value)),
    parse: (text) => parseJson(codec, text),
    json: (value) => (value as unknown[]).map((v) => item.json(v)),
    revive(json, path) {
      if (!Array.isArray(json)) throw new Error(`${path || 'the value'}: not an array`);
      return json.map((v: unknown, i) => item.revive(v, `${path}[${i}]`));
    },
  };
  return codec;
}

/** A class of `@field()`s: an object of its fields in JSON, revived as an instance. */
export function classCodec(plan: SchemaPlan): Codec {
  const name = plan.cls.name;
  const codec: Codec = {
    expected: /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`,
    check(value, path, problems) {
      const proto = typeof value === 'object' && value !== null && Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null && !(value instanceof plan.cls)) {
        return wrong(problems, path, codec.expected, value);
      }
      checkFields(plan, value as object, path, problems, { partial: false });
    },
    text: (value) => JSON.stringify(codec.json(value)),
    parse: (text) => parseJson(codec, text),
    json(value) {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of plan.fields) {
        const item = source[field.name];
        if (item !== undefined) out[field.name] = field.codec.json(item);
      }
      return out;
    },
    revive(json, path) {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new Error(`${path || 'the value'}: not an object`);
      }
      const source = json as Record<string, unknown>;
      const instance = new plan.cls() as Record<string, unknown>;
      for (const field of plan.fields) {
        const at = pathOf(path, field.name);
        if (Object.hasOwn(source, field.name)) {
          instance[field.name] = field.codec.revive(source[field.name], at);
        } else if (!field.optional && instance[field.name] === undefined) {
          throw new Error(`${at}: missing (a required field)`);
        }
      }
      return instance;
    },
  };
  return codec;
}
