import type { Model, Serializer } from '../../src/index.js';
import { stableKey } from './python-values.js';

/**
 * The shapes of the interop table (cases.ts): a serializer row gives values, a model row says
 * how each side writes them and reads them back. Adding a serializer is one row plus its class
 * in the ancestor program (ancestor.ts); adding a model is one row.
 */

/** One serializer both sides share. */
export interface SerializerRow {
  /** The ancestor's class name, also ours in the test titles. */
  readonly name: string;
  /** Ours; `undefined` for a model's own text forms (Document). */
  readonly serializer: Serializer<unknown> | undefined;
  /** Distinct values (distinct stored forms too): what we write and Python must read back. */
  readonly values: readonly unknown[];
  /**
   * The values Python can write (default `values`): the ancestor skips the serializer for falsy
   * values, so it stores `''` raw (which our JSON serializer reads as `''`) and redis-py refuses
   * `False`, `None`, `[]`, `{}`. A {@link Py} among them is written as its `arg` and read back
   * as its `reads`.
   */
  readonly fromPython?: readonly unknown[];
  /**
   * Values JSON cannot carry (Pickle, Document): `toPython` gives the tagged argument Python
   * rebuilds, `readBack` what our model reads of a value Python wrote, `describe` what Python
   * prints of a value it read (python-values.ts). Default: the values as they are.
   */
  readonly toPython?: (value: unknown) => unknown;
  readonly readBack?: (value: unknown) => unknown;
  readonly describe?: (value: unknown) => unknown;
}

/** An ancestor call on a row's key (`suffix`: on `key:suffix`). */
export interface RowCall {
  readonly call: string;
  readonly args?: readonly unknown[];
  readonly suffix?: string;
}

/** Opens a TypeScript handle on the row's key (`suffix`: on `key:suffix`). */
export type Open<M> = (suffix?: string) => M;

/**
 * One model of the interop table: how each side writes `values` with its own API, and what the
 * other side reads back.
 */
export interface ModelRow<M extends Model = Model> {
  /** The ancestor's class name, also ours. */
  readonly name: string;
  readonly model: new (key?: string) => M;
  /** The serializer rows that make sense for this model (default: all). */
  readonly serializers?: readonly string[];
  /** A model without a serializer (Document): its own value row, the only one it runs with. */
  readonly own?: SerializerRow;
  /** Python → TS: the ancestor calls writing `values` (in their tagged form when the row has one). */
  pythonWrites(values: readonly unknown[]): RowCall[];
  /** Python → TS: what our model reads from there, compared with `expectTs`. */
  tsReads(open: Open<M>, values: readonly unknown[]): Promise<unknown>;
  expectTs(values: readonly unknown[]): unknown;
  /** TS → Python: our writes of `values`. */
  tsWrites(open: Open<M>, values: readonly unknown[]): Promise<unknown>;
  /** TS → Python: the ancestor calls reading them back; their results are compared with `expectPython`. */
  pythonReads(values: readonly unknown[]): RowCall[];
  /** What Python reads, from the values as Python describes them (the row's `describe`). */
  expectPython(values: readonly unknown[]): unknown[];
  /** Puts Python's results in a comparable order (a set's members come in any order). */
  normalisePython?(results: unknown[]): unknown[];
}

/** A stable order for values read from a set (bigints, Sets, Maps and Buffers included). */
export function canonical(values: readonly unknown[]): unknown[] {
  return [...values].sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : 1));
}

/** A typed row as an entry of the table. */
export const row = <M extends Model>(r: ModelRow<M>): ModelRow => r as unknown as ModelRow;
