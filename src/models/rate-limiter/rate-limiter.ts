import type { DirectOnly } from '../../batch/types.js';
import { positive } from '../../core/decoders.js';
import { ArgumentError } from '../../core/errors.js';
import { kindOf, optionsArg, signalOption } from '../args.js';
import { Model } from '../model.js';
import { guarded, guardedWait } from './on-error.js';
import { settingsOf, type LimiterSettings, type LimitOptions, type OnError } from './settings.js';
import { decodeResult, limitCommand, type Mode } from './take.js';
import type { RateLimitResult, RateLimitWaitOptions } from './types.js';
import { waitFor, type CheckedWait, type WaitHost } from './wait.js';

const WAIT_OPTIONS = {
  call: 'wait(options)',
  known: ['cost', 'timeout', 'signal'],
  number: 'timeout',
};

/**
 * A rate limiter per id (a user, an API key, an IP...), shared by every process using the same
 * Redis: each `take` is allowed or denied against all the class's `LIMITS` at once, atomically,
 * by GCRA (the generic cell rate algorithm) in one Lua script on the server's clock. The model
 * key is one small string per limited id (a theoretical arrival time per limit); it expires by
 * itself once every limit is full again, and nothing is stored per request.
 *
 * Configuration: `static LIMITS` (or `@model({ limits })`), each `{ rate, per, burst? }`:
 * `rate` units per `per` **milliseconds**, at most `burst` back to back (default `rate`). A take
 * consumes on every limit or on none. `static ON_ERROR` (`@model({ onError })`) says what a
 * direct call answers when Redis cannot be reached: `'deny'` (default), `'allow'` or `'throw'`.
 *
 * @example
 * ```ts
 * @model({ connection: Main, limits: [{ rate: 10, per: 1_000, burst: 20 }, { rate: 1_000, per: 3_600_000 }] })
 * class ApiLimit extends RateLimiter {}
 *
 * const limit = new ApiLimit('user:42');
 * const r = await limit.take(); // { allowed, remaining, retryAfter, resetAfter, limit }
 * if (!r.allowed) reply.status(429).header('Retry-After', Math.ceil(r.retryAfter / 1000));
 *
 * if (await limit.wait({ timeout: 5_000, signal })) await callUpstream(); // sleeps until allowed
 * ```
 */
export class RateLimiter extends Model {
  /** The limits each take is checked against and consumed from, together. Required. */
  static LIMITS?: readonly LimitOptions[];
  /** What a direct `take`, `peek` or `wait` does when Redis cannot be reached; see {@link OnError}. */
  static ON_ERROR: OnError = 'deny';

  /**
   * Takes `cost` units from every limit if all of them allow it now; else takes nothing (one
   * script; O(number of limits)). Queues into a batch; there, failures follow the batch's rules
   * and `ON_ERROR` does not apply.
   *
   * @param cost - a positive integer, at most the smallest burst; default 1.
   * @returns whether it was allowed, the units left, when to retry and when the limits are full
   * again (ms). When Redis cannot be reached: the `ON_ERROR` answer (its `error` set).
   * @throws {@link ArgumentError} for a bad cost; {@link ConfigError} for bad `LIMITS`/`ON_ERROR`
   * (both synchronously, nothing sent).
   */
  take(cost = 1): Promise<RateLimitResult> {
    return this.#limit('take', cost, 'take(cost)');
  }

  /**
   * What `take(cost)` would answer now, without taking anything (one script that writes
   * nothing, sent to the master). Queues into a batch; `ON_ERROR` applies as for `take`.
   */
  peek(cost = 1): Promise<RateLimitResult> {
    return this.#limit('peek', cost, 'peek(cost)');
  }

  /**
   * Waits until `cost` units can be taken from every limit, then takes them: one script reserves
   * them for the earliest moment they come (at most `timeout` ms from now), and a timer sleeps
   * until then. No polling. When they cannot come within `timeout`, resolves false **at once**:
   * only time frees capacity, so waiting could not help. Direct only (not in a batch).
   *
   * @returns true once admitted (the units are taken); false when not within `timeout`. When
   * Redis cannot be reached: false with `ON_ERROR` `'deny'`, true with `'allow'`.
   * @throws {@link ArgumentError} for bad options; rejects with `signal.reason` when the signal
   * aborts (a reservation made is given back first).
   */
  wait(options?: RateLimitWaitOptions): DirectOnly<boolean> {
    this.direct('wait()'); // synchronously: a batch gets an error, not a rejection
    const settings = this.#settings;
    const checked = this.#waitOptions(options, settings);
    return guardedWait(settings, waitFor(this.#host, settings, checked)) as DirectOnly<boolean>;
  }

  /** Forgets the id's history: every limit is full again (`DEL`). @returns whether there was any. */
  reset(): Promise<boolean> {
    return this.write(['DEL', this.key], positive);
  }

  /** A take or peek: checked, run (or queued), and under the `ON_ERROR` policy when direct. */
  #limit(mode: Mode, cost: number, call: string): Promise<RateLimitResult> {
    const settings = this.#settings;
    const units = this.#cost(cost, settings, call);
    const operation = this.run(limitCommand(this, settings, mode, units, decodeResult));
    if (this.executor?.queues) return operation;
    return guarded(settings, operation as Promise<RateLimitResult>);
  }

  /** The class's checked configuration. @throws {@link ConfigError} */
  get #settings(): LimiterSettings {
    return settingsOf(this.constructor as typeof RateLimiter, this.errorContext);
  }

  /** A cost: a positive integer that some take could ever get (at most the smallest burst). */
  #cost(cost: unknown, settings: LimiterSettings, call: string): number {
    if (typeof cost !== 'number' || !Number.isSafeInteger(cost) || cost < 1) {
      throw new ArgumentError(
        `${call}: cost must be a positive integer, got ${kindOf(cost)}`,
        this.errorContext,
      );
    }
    if (cost > settings.maxCost) {
      throw new ArgumentError(
        `${call}: a cost of ${cost} can never be allowed: the smallest burst is ${settings.maxCost}`,
        this.errorContext,
      );
    }
    return cost;
  }

  /** The options of `wait`, checked synchronously. */
  #waitOptions(options: RateLimitWaitOptions | undefined, settings: LimiterSettings): CheckedWait {
    const context = this.errorContext;
    const { cost = 1, timeout = 0, signal } = optionsArg(options, WAIT_OPTIONS, context);
    if (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 0) {
      throw new ArgumentError(
        `wait(options): timeout must be a non-negative integer of milliseconds, got ${kindOf(timeout)}`,
        context,
      );
    }
    return {
      cost: this.#cost(cost, settings, 'wait(options)'),
      timeout,
      signal: signalOption(signal, 'wait(options)', context),
    };
  }

  /** What a wait uses of this handle (made once per handle). */
  #lent: WaitHost | undefined;

  get #host(): WaitHost {
    return (this.#lent ??= {
      key: this.key,
      modelName: this.modelName,
      run: (command) => this.now(this.run(command)),
    });
  }
}
