import { Numeric } from '../serializers/numeric.js';
import type { Serializer } from '../serializers/serializer.js';
import { integer } from '../core/decoders.js';
import { nullable } from './values.js';
import { Model } from './model.js';

/**
 * An integer counter on a Redis string (`INCRBY`), readable with `redis-cli GET`. The layout of
 * the Python ancestor's Counter. Increments are atomic: many processes may count at once.
 *
 * @example
 * ```ts
 * class Visitors extends Counter { static CONNECTION = Main; }
 * class SiteVisitors extends Visitors { static KEY = 'site'; }
 * await new SiteVisitors().incr();   // 1
 * await new Visitors('site').get();  // 1
 * ```
 */
export class Counter extends Model {
  static override SERIALIZER: Serializer<unknown> = Numeric;

  /** The current value (`GET`), or null when the counter was never set. */
  get(): Promise<number | null> {
    return this.cachedRead('', ['GET', this.key], nullable(this.serializer as Serializer<number>));
  }

  /** Adds `by` (default 1) and returns the new value (`INCRBY`). */
  incr(by = 1): Promise<number> {
    return this.write(['INCRBY', this.key, this.integerArg(by, 'by')], integer);
  }

  /** Subtracts `by` (default 1) and returns the new value (`DECRBY`). */
  decr(by = 1): Promise<number> {
    return this.write(['DECRBY', this.key, this.integerArg(by, 'by')], integer);
  }

  /** Sets the value (`SET`), e.g. to reset the counter. */
  set(value: number): Promise<void> {
    return this.write(['SET', this.key, this.integerArg(value, 'value')], () => undefined);
  }
}
