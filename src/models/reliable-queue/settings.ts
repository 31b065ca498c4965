import { ConfigError, type ErrorContext } from '../../core/errors.js';
import { kindOf } from '../args.js';
import { waitOptionsOf, type WaitOptions } from '../durable.js';

/**
 * The configuration of a ReliableQueue class (`static VISIBILITY`... or `@model({...})`),
 * checked once per class.
 *
 * @internal
 * @module
 */

/**
 * How long a failed message waits before its next delivery: `delay` ms after the first
 * failure, then (exponential) doubling at each further failure up to `max`. `nack({ delay })`
 * overrides it for one failure. A delivery whose visibility expires comes back at once.
 */
export interface BackoffOptions {
  /** `'exponential'` (the default) doubles the delay at each failure; `'fixed'` keeps it. */
  type?: 'fixed' | 'exponential';
  /** The delay after the first failure, in ms (0: at once). */
  delay: number;
  /** The longest delay, in ms; default 3 600 000 (an hour). */
  max?: number;
  /** Draws each delay at random between half of it and all of it, so retries spread out. */
  jitter?: boolean;
}

/** The checked configuration of a ReliableQueue class. */
export interface QueueSettings {
  readonly visibility: number;
  /** Attempts allowed per message (Infinity: no limit). */
  readonly attempts: number;
  readonly backoff: Required<BackoffOptions>;
  /** Dead letters kept (Infinity: no limit). */
  readonly deadLetterLimit: number;
  readonly partitions: number;
  readonly durable?: WaitOptions;
}

/** The static fields a ReliableQueue class reads. */
export interface QueueStatics {
  readonly name: string;
  VISIBILITY?: number;
  ATTEMPTS?: number;
  BACKOFF?: BackoffOptions;
  DEAD_LETTER_LIMIT?: number;
  PARTITIONS?: number;
  DURABLE?: WaitOptions;
}

/** The defaults (each documented on the static field of the same name). */
export const DEFAULTS = {
  visibility: 30_000,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000, max: 3_600_000, jitter: false },
  deadLetterLimit: 10_000,
  partitions: 1,
} as const;

const cache = new WeakMap<object, { from: unknown[]; settings: QueueSettings }>();

/** A positive safe integer (or, where `infinite`, Infinity), else a ConfigError. */
function positive(value: unknown, name: string, context: ErrorContext, infinite = false): number {
  if (infinite && value === Infinity) return Infinity;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(
      `${name} must be a positive integer${infinite ? ' or Infinity' : ''}, got ${kindOf(value)}`,
      context,
    );
  }
  return value;
}

/** The BACKOFF setting, checked. */
function backoffOf(value: unknown, context: ErrorContext): Required<BackoffOptions> {
  if (value === undefined) return DEFAULTS.backoff;
  const like = 'BACKOFF must be { type?: "fixed" | "exponential", delay, max?, jitter? }';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${like}, got ${kindOf(value)}`, context);
  }
  const {
    type = 'exponential',
    delay,
    max = DEFAULTS.backoff.max,
    jitter = false,
  } = value as Partial<BackoffOptions>;
  const unknown = Object.keys(value).find((k) => !['type', 'delay', 'max', 'jitter'].includes(k));
  if (unknown !== undefined) throw new ConfigError(`${like}: unknown "${unknown}"`, context);
  if (type !== 'fixed' && type !== 'exponential') {
    throw new ConfigError(`${like}: type ${kindOf(type)}`, context);
  }
  const ms = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!ms(delay) || !ms(max) || typeof jitter !== 'boolean') {
    throw new ConfigError(`${like}, in ms (non-negative integers)`, context);
  }
  return { type, delay: delay as number, max: max as number, jitter };
}

/**
 * The class's configuration, checked (once per class, again when a static field changes).
 * @throws {@link ConfigError} naming the model and the field.
 */
export function settingsOf(statics: QueueStatics): QueueSettings {
  const from = [
    statics.VISIBILITY,
    statics.ATTEMPTS,
    statics.BACKOFF,
    statics.DEAD_LETTER_LIMIT,
    statics.PARTITIONS,
    statics.DURABLE,
  ];
  const known = cache.get(statics);
  if (known && known.from.every((value, i) => value === from[i])) return known.settings;
  const context = { model: statics.name };
  const [visibility, attempts, backoff, deadLetterLimit, partitions, durable] = from;
  const settings: QueueSettings = {
    visibility: positive(visibility ?? DEFAULTS.visibility, 'VISIBILITY (ms)', context),
    attempts: positive(attempts ?? DEFAULTS.attempts, 'ATTEMPTS', context, true),
    backoff: backoffOf(backoff, context),
    deadLetterLimit:
      deadLetterLimit === 0
        ? 0
        : positive(deadLetterLimit ?? DEFAULTS.deadLetterLimit, 'DEAD_LETTER_LIMIT', context, true),
    partitions: positive(partitions ?? DEFAULTS.partitions, 'PARTITIONS', context),
    durable: durable === undefined ? undefined : waitOptionsOf(durable, statics.name),
  };
  if (settings.partitions > 1024) {
    throw new ConfigError(`PARTITIONS must be at most 1024, got ${settings.partitions}`, context);
  }
  cache.set(statics, { from, settings });
  return settings;
}

/** ARGV[1] and ARGV[2] of the rq-*-10 scripts: attempts allowed, dead letters kept. */
export function limitsArgs(settings: QueueSettings): [string, string] {
  return [
    settings.attempts === Infinity ? '0' : String(settings.attempts),
    settings.deadLetterLimit === Infinity ? '-1' : String(settings.deadLetterLimit),
  ];
}

/** The backoff delay (ms) after the failure of attempt `attempt` (1 for the first). */
export function backoffDelay(backoff: Required<BackoffOptions>, attempt: number): number {
  const factor = backoff.type === 'fixed' ? 1 : 2 ** Math.min(Math.max(attempt - 1, 0), 40);
  const delay = Math.min(backoff.delay * factor, backoff.max);
  return backoff.jitter ? Math.round(delay / 2 + (Math.random() * delay) / 2) : delay;
}
