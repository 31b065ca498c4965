import { kindOf } from '../args.js';
import type { Problem, SchemaPlan } from './types.js';

/**
 * The checks of a document against its compiled schema, shared by the top level (`save`,
 * `update`) and by nested classes.
 *
 * @internal
 * @module
 */

/**
 * A value as problems show it: as an argument error shows it (`NaN`, `null`, `a string`, `an
 * array`...; see `kindOf`), and an object by its class (`a Map`, `an Address`).
 */
export function described(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return kindOf(value);
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const name = proto?.constructor?.name;
  if (proto === null || proto === Object.prototype || !name) return 'an object';
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}

/** The path of a field inside `path` (the top level: its name alone). */
export function pathOf(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** How {@link checkFields} treats absent and unknown fields. */
export interface CheckMode {
  /** An update: absent fields are left alone; only fields given as `undefined` are removals. */
  readonly partial: boolean;
}

/**
 * Adds to `problems` every bad field of `value` (an object) against `plan`: a required field
 * missing (or, in a partial update, given as `undefined`), a value of the wrong type, and, unless
 * `value` is an instance of the schema class (whose other properties are not stored), an own
 * property the schema does not have.
 */
export function checkFields(
  plan: SchemaPlan,
  value: object,
  path: string,
  problems: Problem[],
  mode: CheckMode,
): void {
  const record = value as Record<string, unknown>;
  for (const field of plan.fields) {
    const item = record[field.name];
    if (item === undefined) {
      if (field.optional) continue;
      if (!mode.partial) {
        problems.push({ field: pathOf(path, field.name), problem: 'missing (a required field)' });
      } else if (Object.hasOwn(value, field.name)) {
        problems.push({
          field: pathOf(path, field.name),
          problem: 'undefined: a required field cannot be removed',
        });
      }
      continue;
    }
    field.codec.check(item, pathOf(path, field.name), problems);
  }
  if (value instanceof plan.cls) return;
  for (const name of Object.keys(value)) {
    if (!plan.byName.has(name))
      problems.push({ field: pathOf(path, name), problem: 'unknown field' });
  }
}
