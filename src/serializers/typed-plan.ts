import { plainToInstance } from 'class-transformer';
import { storedFields, type AnyClass } from './decorators.js';

/**
 * Revival plans: how the Typed serializer rebuilds an instance of a registered class.
 *
 * class-transformer stays the declared mapping: `@field()` declares each stored property to it
 * (`@Expose` and a `@Transform` that keeps the value the Typed serializer already revived). But
 * `plainToInstance` walks every nested value again on every call, only for that transform to
 * throw the walk's result away. A plan is compiled once per class by watching class-transformer
 * map probe objects: the properties it reads, in its order, each of which must come out as it
 * went in. Reviving then assigns those properties on a new instance exactly as
 * `plainToInstance` does (`excludeExtraneousValues`, `exposeDefaultValues`, and its default
 * `exposeUnsetFields`), without the walk. A class whose mapping does anything else (a
 * `@Transform` of its own, a renaming `@Expose`, a getter-only field...) keeps `plainToInstance`.
 */

/** The options the Typed serializer has always revived with. @internal */
export const REVIVE_OPTIONS = { excludeExtraneousValues: true, exposeDefaultValues: true } as const;

/** Keys class-transformer never assigns (it skips them before reading them). */
const SKIPPED = new Set(['__proto__', 'constructor']);

/** What is compiled once per registered class. @internal */
export interface ClassPlan {
  /** The stored field names, as `storedFields` lists them (what encode writes, in order). */
  readonly stored: readonly string[];
  /**
   * The properties revival assigns, in class-transformer's order; undefined when the class's
   * mapping is not the plain `@field()` one and `plainToInstance` must run.
   */
  readonly assigned: readonly string[] | undefined;
}

/** The properties class-transformer reads from `plain` when reviving `cls`, and what it made. */
function probe(
  cls: AnyClass,
  make: (key: string) => unknown,
): { order: string[]; given: Map<string, unknown>; result: Record<string, unknown> } {
  const given = new Map<string, unknown>();
  const order: string[] = [];
  const plain = new Proxy(
    {},
    {
      get(_target, key) {
        // `then` is read to tell a promise; a field of that name fails the check below.
        if (typeof key !== 'string' || key === 'then') return undefined;
        if (!given.has(key)) {
          given.set(key, make(key));
          order.push(key);
        }
        return given.get(key);
      },
    },
  );
  const result = plainToInstance(cls as new () => object, plain, REVIVE_OPTIONS);
  return { order, given, result: result as Record<string, unknown> };
}

/**
 * The properties revival may assign directly, or undefined when class-transformer does more
 * than keep each value (checked with unique objects, then unique strings).
 */
function directFields(cls: AnyClass, stored: readonly string[]): string[] | undefined {
  let order: string[] | undefined;
  const makers = [(): unknown => ({}), (key: string): unknown => `\u0000probe:${key}`];
  for (const make of makers) {
    const run = probe(cls, make);
    if (!run.order.every((key) => run.result[key] === run.given.get(key))) return undefined;
    if (order && order.join('\u0000') !== run.order.join('\u0000')) return undefined;
    order = run.order;
  }
  if (!order || !stored.every((name) => SKIPPED.has(name) || order.includes(name)))
    return undefined;
  return order;
}

/**
 * Compiles the plan of a registered class: its stored fields and how to revive it. Runs
 * `plainToInstance` twice on probe objects (so the class's constructor runs twice).
 * @internal
 */
export function compilePlan(cls: AnyClass): ClassPlan {
  const stored = storedFields(cls);
  return { stored, assigned: directFields(cls, stored) };
}

/**
 * Rebuilds an instance of `cls` from `plain`, whose values are already revived (nested
 * instances, Dates...), and which holds no `__proto__`, `constructor` or `prototype` key.
 * Same result as `plainToInstance(cls, plain, REVIVE_OPTIONS)` with the `@field()` mapping.
 * @internal
 */
export function revive(cls: AnyClass, plan: ClassPlan, plain: Record<string, unknown>): object {
  const assigned = plan.assigned;
  if (assigned === undefined)
    return plainToInstance(cls as new () => object, plain, REVIVE_OPTIONS);
  const instance = new (cls as new () => Record<string, unknown>)();
  for (let i = 0; i < assigned.length; i++) {
    const key = assigned[i];
    const current = instance[key];
    // class-transformer leaves methods alone, and keeps the default for an absent value.
    if (current instanceof Function) continue;
    const value = plain[key];
    instance[key] = value === undefined ? current : value;
  }
  return instance;
}
