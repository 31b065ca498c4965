import { integer, positive } from '../core/decoders.js';
import { nullable } from './values.js';
import { Model } from './model.js';
import { flagOption, optionsArg } from './args.js';

/** Options of {@link Map.set}. */
export interface SetOptions {
  /** Time to live in **milliseconds**, set atomically with the value (`SET ... PX`). */
  ttl?: number;
  /** Only set when the key does not exist (`NX`); the result says whether it was set. */
  ifAbsent?: boolean;
}

const SET_OPTIONS = { call: 'set(value, options)', known: ['ttl', 'ifAbsent'], number: 'ttl' };

/**
 * One value under one key (a Redis string): the Python ancestor's Map. Values go through the
 * model's serializer; `get()` returns `null` when the key is absent.
 *
 * @typeParam T - the value type, e.g. `Map<User>` with `serializer.Typed`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, prefix: 'session' })
 * class Session extends Map<{ user: string }> {}
 * await new Session('abc').set({ user: 'ann' }, { ttl: 30_000 });
 * ```
 */
export class Map<T = string> extends Model {
  /** The value (`GET`), or null when absent. */
  get(): Promise<T | null> {
    return this.cachedRead('', ['GET', this.key], nullable(this.serializer)) as Promise<T | null>;
  }

  /**
   * Stores the value (`SET`), with its time to live in the same command.
   * @returns true when stored (false only with `ifAbsent` when the key existed).
   * @throws {@link ArgumentError} for options that are not an object like `{ ttl, ifAbsent }`
   * (a bare number included), a bad `ttl` or a non-boolean `ifAbsent`; {@link EncodeError} for
   * a value the serializer refuses. Nothing is sent then.
   */
  set(value: T, options?: SetOptions): Promise<boolean> {
    const { ttl, ifAbsent } = optionsArg(options, SET_OPTIONS, this.errorContext);
    const args = ['SET', this.key, this.encode(value)];
    if (ttl !== undefined) args.push('PX', this.msArg(ttl, 'ttl'));
    if (flagOption(ifAbsent, 'ifAbsent', this.errorContext)) args.push('NX');
    return this.write(args, stored);
  }

  /** Adds `by` to a numeric value (`INCRBY`) and returns the result. */
  incr(by = 1): Promise<number> {
    return this.write(['INCRBY', this.key, this.integerArg(by, 'by')], integer);
  }

  /** Subtracts `by` from a numeric value (`DECRBY`) and returns the result. */
  decr(by = 1): Promise<number> {
    return this.write(['DECRBY', this.key, this.integerArg(by, 'by')], integer);
  }

  /** Removes the value (`DEL`); true if there was one. */
  remove(): Promise<boolean> {
    return this.write(['DEL', this.key], positive);
  }
}

/** A SET reply: OK when stored, nil when NX refused. */
function stored(reply: unknown): boolean {
  return reply !== null;
}
