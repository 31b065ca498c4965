/**
 * Type-level mapping of a model's methods onto a batch (`model.in(batch)`), keeping every
 * overload: TypeScript's `infer` sees only an overloaded function's last signature, so the
 * signatures are matched explicitly, four at most (a function with fewer matches with some
 * repeated, which is harmless).
 *
 * @module
 */
import type { Queued } from './queued.js';

declare const directOnly: unique symbol;

/**
 * The promise of an operation that cannot run inside a pipeline or transaction (it blocks, or
 * takes several round trips): a plain `Promise<R>` to its callers, `never` in a batch.
 */
export type DirectOnly<R> = Promise<R> & { readonly [directOnly]: true };

/** One signature mapped onto a batch: `Promise<R>` → `Queued<R>`; anything else is dropped. */
type QueuedSignature<A extends unknown[], R> =
  R extends DirectOnly<unknown>
    ? never
    : R extends Promise<infer V>
      ? (...args: A) => Queued<V>
      : never;

/** The intersection of the members of a tuple of functions, in order (their overloads). */
type Overloaded<T extends unknown[]> = T extends [infer F, ...infer Rest]
  ? [F] extends [never]
    ? Overloaded<Rest>
    : F & Overloaded<Rest>
  : unknown;

/** A method's batch form: its overloads mapped one by one; `never` when none can be queued. */
export type BatchOperation<F> = F extends {
  (...args: infer A1): infer R1;
  (...args: infer A2): infer R2;
  (...args: infer A3): infer R3;
  (...args: infer A4): infer R4;
}
  ? Collapse<
      Overloaded<
        [
          QueuedSignature<A1, R1>,
          QueuedSignature<A2, R2>,
          QueuedSignature<A3, R3>,
          QueuedSignature<A4, R4>,
        ]
      >
    >
  : never;

/** `unknown` (no signature survived) becomes `never`, so that a call does not compile. */
type Collapse<T> = unknown extends T ? never : T;
