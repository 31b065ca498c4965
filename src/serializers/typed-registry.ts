import { adoptFields } from './decorators.js';
import { compilePlan, type ClassPlan } from './typed-plan.js';

/*
 * The Typed serializer's registry of classes, and what its encoder and decoder share.
 */

/** A class whose instances the Typed serializer may store and revive. */
export type TypedClass<T extends object = object> = new () => T;

/** A registered class and its tag. @internal */
export interface Registration {
  readonly tag: string;
  readonly cls: TypedClass;
  /** Compiled on first use (after every decorator of the class has run). */
  plan?: ClassPlan;
}

/** The property that marks a tagged value in the stored JSON. @internal */
export const TAG = '$t';

/** Keys never read from stored data: they could reach an object's prototype. @internal */
export const FORBIDDEN: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const BUILTIN_TAGS = new Set(['Date', 'Map', 'Set', 'BigInt', 'Number', 'Object', 'undefined']);

const byClass = new WeakMap<object, Registration>();
const byTag = new globalThis.Map<string, Registration>();

/** The registration of a class (its constructor), if any. @internal */
export function registrationOf(cls: unknown): Registration | undefined {
  return byClass.get(cls as object);
}

/** The registration of a stored tag, if any. @internal */
export function registrationFor(tag: string): Registration | undefined {
  return byTag.get(tag);
}

/** The plan of a registered class, compiled once. @internal */
export function planOf(registration: Registration): ClassPlan {
  return (registration.plan ??= compilePlan(registration.cls));
}

/**
 * Registers `cls` under `tag`, declaring the fields standard decorators recorded in
 * `metadata`.
 * @throws TypeError for a built-in or empty tag, or one taken by another class.
 * @internal
 */
export function register(cls: TypedClass, tag: string, metadata?: object): void {
  if (!tag || BUILTIN_TAGS.has(tag)) throw new TypeError(`"${tag}" cannot be used as a type tag`);
  const existing = byTag.get(tag);
  if (existing && existing.cls !== cls) {
    throw new TypeError(`type tag "${tag}" is already registered for another class`);
  }
  const registration: Registration = { tag, cls };
  adoptFields(cls, metadata);
  // Registering again may have declared more fields: recompile the class's other plans too.
  for (const other of byTag.values()) if (other.cls === cls) other.plan = undefined;
  byTag.set(tag, registration);
  byClass.set(cls, registration);
}

/** A tagged value as stored: `{"$t": tag, "v": value}`. @internal */
export function tagged(tag: string, value: unknown): Record<string, unknown> {
  return { [TAG]: tag, v: value };
}
