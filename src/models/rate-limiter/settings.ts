import { ConfigError, type ErrorContext } from '../../core/errors.js';
import { kindOf } from '../args.js';

/**
 * The configuration of a RateLimiter class (`static LIMITS` and `static ON_ERROR`, or
 * `@model({ limits, onError })`), checked once per class, and the script arguments made of it.
 *
 * @module
 */

/**
 * One limit: `rate` units per `per` milliseconds, and at most `burst` at once after an idle
 * spell. A take of cost 1 is one unit.
 *
 * @example
 * ```ts
 * { rate: 10, per: 1_000, burst: 20 } // 10 a second on average, up to 20 back to back
 * ```
 */
export interface LimitOptions {
  /** How many units per `per` ms: a positive finite number (fractional rates are fine). */
  rate: number;
  /** The window, in **milliseconds**: a positive finite number. */
  per: number;
  /**
   * The most units allowed back to back after an idle spell: a positive integer; default
   * `rate` rounded down (at least 1).
   */
  burst?: number;
}

/**
 * What a direct `take`, `peek` or `wait` of a RateLimiter does when Redis cannot be reached (or
 * does not answer in time): `'deny'` answers "not allowed" (the default), `'allow'` answers
 * "allowed", `'throw'` rejects with the error. The answer of `'deny'` and `'allow'` carries the
 * error in its `error` field.
 */
export type OnError = 'deny' | 'allow' | 'throw';

/** One limit, checked. @internal */
export interface CheckedLimit {
  /** Units per `per` ms. */
  readonly rate: number;
  /** The window, ms. */
  readonly per: number;
  /** Units allowed back to back (the default filled in). */
  readonly burst: number;
  /** The emission interval, µs per unit (`per / rate`, rounded up to a whole µs). */
  readonly interval: number;
}

/** The checked configuration of a RateLimiter class. @internal */
export interface LimiterSettings {
  /** The limits, in the order of `LIMITS` (the order of the TATs in the key). */
  readonly limits: readonly CheckedLimit[];
  /** The fail policy of direct calls. */
  readonly onError: OnError;
  /** The largest cost a take can ever be allowed: the smallest burst. */
  readonly maxCost: number;
  /** The shortest emission interval, in ms rounded up: the `retryAfter` of a `'deny'` fallback. */
  readonly retryMs: number;
  /** ARGV[4...] of rl-take-1.lua: `interval, burst` per limit. */
  readonly args: readonly string[];
}

/** The static fields a RateLimiter class reads. @internal */
export interface LimiterStatics {
  /** The class name (errors name it). */
  readonly name: string;
  /** The limits, as configured. */
  LIMITS?: readonly LimitOptions[];
  /** The fail policy, as configured. */
  ON_ERROR?: OnError;
}

/** The default of `ON_ERROR`. */
const DEFAULT_ON_ERROR: OnError = 'deny';
/** The longest time a full burst may take to come back, µs (about 31 years): exact in doubles. */
const MAX_SPAN_US = 1e15;
const FIELDS = ['rate', 'per', 'burst'];
const LIKE = 'each limit must be { rate, per, burst? }';

const cache = new WeakMap<object, { from: unknown[]; settings: LimiterSettings }>();

/** A positive finite number, else a ConfigError naming the limit and the field. */
function positiveNumber(value: unknown, name: string, context: ErrorContext): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(
      `${name} must be a positive finite number, got ${kindOf(value)}`,
      context,
    );
  }
  return value;
}

/** One limit of LIMITS, checked. */
function limitOf(value: unknown, index: number, context: ErrorContext): CheckedLimit {
  const where = `LIMITS[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: ${LIKE}, got ${kindOf(value)}`, context);
  }
  const unknown = Object.keys(value).find((name) => !FIELDS.includes(name));
  if (unknown !== undefined) {
    throw new ConfigError(
      `${where}: unknown field ${JSON.stringify(unknown.slice(0, 40))} (${LIKE})`,
      context,
    );
  }
  const given = value as Partial<LimitOptions>;
  const rate = positiveNumber(given.rate, `${where}.rate`, context);
  const per = positiveNumber(given.per, `${where}.per (ms)`, context);
  const burst = given.burst === undefined ? Math.max(1, Math.floor(rate)) : given.burst;
  if (typeof burst !== 'number' || !Number.isSafeInteger(burst) || burst < 1) {
    throw new ConfigError(
      `${where}.burst must be a positive integer, got ${kindOf(burst)}`,
      context,
    );
  }
  const exact = (per * 1000) / rate;
  if (exact < 1) {
    throw new ConfigError(
      `${where}: at most one unit per microsecond (rate / per <= 1000 per ms), got ${rate} per ${per} ms`,
      context,
    );
  }
  // Rounded up: the limit never admits more than configured (off by at most 1 µs per unit).
  const interval = Math.ceil(exact - 1e-6);
  if (interval * burst > MAX_SPAN_US) {
    throw new ConfigError(
      `${where}: a full burst would take more than 31 years to come back (burst * per / rate)`,
      context,
    );
  }
  return { rate, per, burst, interval };
}

/** The ON_ERROR setting, checked. */
function onErrorOf(value: unknown, context: ErrorContext): OnError {
  if (value === undefined) return DEFAULT_ON_ERROR;
  if (value !== 'deny' && value !== 'allow' && value !== 'throw') {
    throw new ConfigError(
      `ON_ERROR must be 'deny', 'allow' or 'throw', got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : kindOf(value)}`,
      context,
    );
  }
  return value;
}

/**
 * The class's configuration, checked (once per class, again when a static field changes).
 * @throws {@link ConfigError} naming the model (and the key of `context`) and the field.
 * @internal
 */
export function settingsOf(statics: LimiterStatics, context: ErrorContext): LimiterSettings {
  const from = [statics.LIMITS, statics.ON_ERROR];
  const known = cache.get(statics);
  if (known && known.from.every((value, i) => value === from[i])) return known.settings;
  const [given, onError] = from;
  if (!Array.isArray(given) || given.length === 0) {
    throw new ConfigError(
      `LIMITS must be a non-empty array of { rate, per, burst? } (static LIMITS or @model({ limits })), got ${kindOf(given)}`,
      context,
    );
  }
  const limits = given.map((limit, index) => limitOf(limit, index, context));
  const settings: LimiterSettings = {
    limits,
    onError: onErrorOf(onError, context),
    maxCost: Math.min(...limits.map((limit) => limit.burst)),
    retryMs: Math.ceil(Math.min(...limits.map((limit) => limit.interval)) / 1000),
    args: limits.flatMap((limit) => [String(limit.interval), String(limit.burst)]),
  };
  cache.set(statics, { from, settings });
  return settings;
}
