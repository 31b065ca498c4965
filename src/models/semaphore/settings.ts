import { ArgumentError, ConfigError, type ErrorContext } from '../../core/errors.js';
import { kindOf } from '../args.js';

/**
 * The configuration of a Semaphore class (`static PERMITS`, `static TTL`, or `@model({ permits,
 * ttl })`), checked once per class, and the check of a call's `weight`.
 *
 * @internal
 * @module
 */

/** The static fields a Semaphore class reads. */
export interface SemaphoreStatics {
  readonly name: string;
  PERMITS?: number;
  TTL?: number;
}

/** The checked configuration of a Semaphore class. */
export interface SemaphoreSettings {
  /** The most weight held at once. */
  readonly permits: number;
  /** The default time to live of a lease, ms. */
  readonly ttl: number;
}

const cache = new WeakMap<object, SemaphoreSettings & { fromPermits: unknown; fromTtl: unknown }>();

/** A positive safe integer, else a ConfigError naming `name`. */
function positive(value: unknown, name: string, context: ErrorContext): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${kindOf(value)}`, context);
  }
  return value;
}

/**
 * The class's configuration, checked (once per class, again when a static field changes).
 * @throws {@link ConfigError} naming the model (and `key`) when `PERMITS` is missing or not a
 * positive integer, or `TTL` not a positive integer of ms.
 */
export function settingsOf(statics: SemaphoreStatics, key: string): SemaphoreSettings {
  // Read on every call (a handle per call is common): the cache is checked without allocating.
  const permits = statics.PERMITS;
  const ttl = statics.TTL;
  const known = cache.get(statics);
  if (known !== undefined && known.fromPermits === permits && known.fromTtl === ttl) return known;
  const context = { model: statics.name, key };
  if (permits === undefined) {
    throw new ConfigError('no PERMITS: set static PERMITS or @model({ permits })', context);
  }
  const settings = {
    permits: positive(permits, 'PERMITS', context),
    ttl: positive(ttl ?? 10_000, 'TTL (ms)', context),
  };
  cache.set(statics, { ...settings, fromPermits: permits, fromTtl: ttl });
  return settings;
}

/**
 * The `weight` option: how many permits a call takes, default 1.
 * @throws {@link ArgumentError} unless a positive integer of at most `permits`.
 */
export function weightArg(weight: unknown, permits: number, context: ErrorContext): number {
  if (weight === undefined) return 1;
  if (typeof weight !== 'number' || !Number.isSafeInteger(weight) || weight <= 0) {
    throw new ArgumentError(`weight must be a positive integer, got ${kindOf(weight)}`, context);
  }
  if (weight > permits) {
    throw new ArgumentError(
      `weight ${weight} is above the semaphore's ${permits} permits: it could never be granted`,
      context,
    );
  }
  return weight;
}
