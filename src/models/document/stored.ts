import { StoredValueFailure } from '../../core/errors.js';
import type { FieldPlan, SchemaPlan } from './types.js';

/**
 * Reading a stored document: the `HGETALL` reply (a RESP3 map as an object or a JS `Map`, or
 * RESP2 pairs, flat or nested) to an instance of the schema class, through the compiled plan.
 *
 * @internal
 * @module
 */

/** A stored field's value as text (a Buffer as UTF-8). */
function textOf(raw: unknown): string {
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
}

/** Reads one stored field; a failure names the field and keeps the stored value. */
export function parseField(field: FieldPlan, raw: unknown): unknown {
  try {
    return field.codec.parse(textOf(raw));
  } catch (error) {
    const message = `field "${field.name}": ${(error as Error).message}`;
    throw new StoredValueFailure(raw as string | Buffer, new Error(message, { cause: error }));
  }
}

/** Looks fields up in a reply; `undefined` for the empty reply of a missing key. */
type Lookup = (name: string) => unknown;

/** The field lookup of an `HGETALL` reply, whatever its shape; undefined when it is empty. */
function lookupOf(reply: unknown): Lookup | undefined {
  if (reply instanceof globalThis.Map) {
    if (reply.size === 0) return undefined;
    const byText = new globalThis.Map<string, unknown>();
    for (const [name, value] of reply as globalThis.Map<unknown, unknown>) {
      byText.set(textOf(name), value);
    }
    return (name) => byText.get(name);
  }
  if (Array.isArray(reply)) {
    if (reply.length === 0) return undefined;
    const byText = new globalThis.Map<string, unknown>();
    if (Array.isArray(reply[0])) {
      for (const [name, value] of reply as Array<[unknown, unknown]>) {
        byText.set(textOf(name), value);
      }
    } else {
      for (let i = 0; i + 1 < reply.length; i += 2) byText.set(textOf(reply[i]), reply[i + 1]);
    }
    return (name) => byText.get(name);
  }
  if (reply === null || typeof reply !== 'object') return undefined;
  const record = reply as Record<string, unknown>;
  for (const name in record) {
    if (Object.hasOwn(record, name)) {
      return (field) => (Object.hasOwn(record, field) ? record[field] : undefined);
    }
  }
  return undefined;
}

/**
 * The document of an `HGETALL` reply: a new instance of the schema class (`new Schema()`, then
 * each stored field assigned, as class-transformer's `plainToInstance` with
 * `excludeExtraneousValues` and `exposeDefaultValues` does), or null for a missing key. Stored
 * fields the schema does not name are ignored. A required field neither stored nor given a
 * default by the class's constructor is a failure, as is a field that does not parse.
 */
export function documentOf(plan: SchemaPlan, reply: unknown): object | null {
  const lookup = lookupOf(reply);
  if (lookup === undefined) return null;
  const instance = new plan.cls() as Record<string, unknown>;
  for (const field of plan.fields) {
    const raw = lookup(field.name);
    if (raw !== undefined && raw !== null) {
      instance[field.name] = parseField(field, raw);
    } else if (!field.optional && instance[field.name] === undefined) {
      throw new Error(`field "${field.name}": missing (a required field)`);
    }
  }
  return instance;
}
