import 'reflect-metadata';
import { fieldSpecs, type AnyClass, type FieldType } from '../../serializers/decorators.js';
import {
  anyJsonCodec,
  arrayCodec,
  bigintCodec,
  booleanCodec,
  classCodec,
  dateCodec,
  jsonArrayCodec,
  numberCodec,
  stringCodec,
} from './codecs.js';
import type { Codec, FieldPlan, SchemaPlan } from './types.js';

/**
 * Compiling a schema class once: its `@field()` properties (the decorator registry, both
 * decorator modes), each field's type (named in the decorator, else TypeScript's `design:type`
 * metadata under `experimentalDecorators`) and the codec of that type. Nested classes are
 * compiled too, once each (a class may nest itself).
 *
 * @internal
 * @module
 */

const plans = new WeakMap<object, SchemaPlan>();

/** The types a document stores, by constructor. */
const SCALARS = new globalThis.Map<unknown, Codec>([
  [String, stringCodec],
  [Number, numberCodec],
  [Boolean, booleanCodec],
  [Date, dateCodec],
  [BigInt, bigintCodec],
  [Object, anyJsonCodec],
  [Array, jsonArrayCodec],
]);

const KNOWN =
  'String, Number, Boolean, Date, BigInt, Object, Array, [type] (an array of type), or a class of @field() properties';

/** `design:type` of a legacy-decorated property, when TypeScript emitted it. */
function designType(owner: AnyClass, name: string): unknown {
  const reflect = Reflect as unknown as {
    getMetadata?: (key: string, target: object, property: string) => unknown;
  };
  return reflect.getMetadata?.('design:type', owner.prototype as object, name);
}

/** The codec of a field type; `where` (`Class.field`) names the field in errors. */
function codecOf(type: FieldType, where: string, made: SchemaPlan[]): Codec {
  if (Array.isArray(type)) return arrayCodec(codecOf(type[0] as FieldType, where, made));
  const known = SCALARS.get(type);
  if (known !== undefined) return known;
  const cls = type as AnyClass;
  if (typeof cls === 'function' && fieldSpecs(cls).length > 0) {
    return classCodec(plans.get(cls) ?? compile(cls as new () => object, made));
  }
  const name = typeof cls === 'function' ? cls.name || 'an anonymous class' : String(cls);
  throw new TypeError(
    `${where}: ${name} is not a type a Document stores (${KNOWN}); a class needs @field() properties`,
  );
}

/** Compiles `cls`, registering its plan first (cycles); `made` collects the plans made. */
function compile(cls: new () => object, made: SchemaPlan[]): SchemaPlan {
  const specs = fieldSpecs(cls);
  const fields: FieldPlan[] = [];
  const byName = new globalThis.Map<string, FieldPlan>();
  const plan: SchemaPlan = { cls, fields, byName };
  plans.set(cls, plan);
  made.push(plan);
  for (const spec of specs) {
    const where = `${cls.name}.${spec.name}`;
    if (spec.name === '__proto__') {
      throw new TypeError(`${where}: a field cannot be named __proto__`);
    }
    const type = spec.type ?? (designType(spec.owner, spec.name) as FieldType | undefined);
    if (type === undefined) {
      throw new TypeError(
        `${where}: the field's type is unknown: standard decorators give no type metadata, so name it: @field(Number) or @field({ type: Number }) (${KNOWN})`,
      );
    }
    const codec = codecOf(type, where, made);
    const field: FieldPlan = {
      name: spec.name,
      optional: spec.optional,
      numeric: codec === numberCodec,
      codec,
    };
    fields.push(field);
    byName.set(spec.name, field);
  }
  return plan;
}

/**
 * The compiled plan of a schema class, made on first use and kept.
 * @throws TypeError naming the class and field when a field's type is unknown or not one a
 * document stores, or when the class has no `@field()` properties.
 */
export function schemaPlan(cls: new () => object): SchemaPlan {
  const known = plans.get(cls);
  if (known !== undefined) return known;
  if (typeof cls !== 'function') {
    throw new TypeError(`a Document's SCHEMA must be a class, got ${typeof cls}`);
  }
  if (fieldSpecs(cls).length === 0) {
    throw new TypeError(
      `${cls.name || 'the SCHEMA class'} has no @field() properties: mark each stored property with @field()`,
    );
  }
  const made: SchemaPlan[] = [];
  try {
    return compile(cls, made);
  } catch (error) {
    for (const plan of made) plans.delete(plan.cls);
    throw error;
  }
}
