import { lockTally, type LockStats } from './stats.js';
import type { RedisArg } from '../../core/command.js';
import { expiry, positive, text } from '../../core/decoders.js';
import type { DirectOnly } from '../../batch/types.js';
import { Model } from '../model.js';
import { acquireWaiting, attempt } from './acquire.js';
import { LockLostError, LockNotAcquiredError } from './errors.js';
import { extendToken } from './extend.js';
import { BoundLock, OwnershipRecord, type LockHandle, type Ownership } from './handle.js';
import { releaseToken } from './release.js';
import { renew } from './renewal.js';
import { ArgumentError } from '../../core/errors.js';
import { kindOf, optionsArg, signalOption, type OptionsShape } from '../args.js';
import { modelEvent } from '../../core/tracing.js';

/** The options of `acquire()` (made once: it is checked on every call). */
const ACQUIRE_OPTIONS: OptionsShape = {
  call: 'acquire(options)',
  known: ['ttl', 'wait', 'signal'],
  number: 'ttl',
};
/** The options of `using()`. */
const USING_OPTIONS: OptionsShape = { ...ACQUIRE_OPTIONS, call: 'using(fn, options)' };

/** The options of acquire() and using(), checked. */
interface CheckedOptions {
  readonly ttl: number;
  readonly wait: number;
  readonly signal?: AbortSignal;
}

/** Options of {@link Lock.acquire} and {@link Lock.using}. */
export interface LockOptions {
  /** Time to live of the lock in **milliseconds** (`SET ... PX`); default the class `TTL` (10 000). */
  ttl?: number;
  /**
   * How long to wait for a held lock, in **milliseconds**; default 0 (one attempt). Waiting
   * blocks on a dedicated connection and retries at each release, and at least every 200 ms.
   */
  wait?: number;
  /** Stops waiting: the call then rejects with the signal's `reason`. */
  signal?: AbortSignal;
}

/**
 * A distributed mutual-exclusion lock on one Redis instance: a Redis string at the model key
 * holding the current owner's random token, with a time to live. Acquiring is `SET key token NX
 * PX ttl`; releasing and extending compare the token first (Lua), so only the owner can release
 * or extend. Each acquisition also draws a **fencing token** that strictly increases per lock
 * name (kept in the side key `{key}:fence`): pass it to the resource you protect so it can refuse
 * a holder whose lock expired.
 *
 * A Lock instance is **one owner**: it is not re-entrant (acquiring it again while it holds the
 * lock returns false at once). Two instances with the same key are two owners. A key set by the
 * Python redisext lock (value `''`) counts as held.
 *
 * Single-instance semantics, not Redlock; see docs/models/lock.md for what is guaranteed.
 *
 * @example
 * ```ts
 * class Jobs extends Lock { static override CONNECTION = Main; static override PREFIX = 'lock'; }
 * const lock = new Jobs('nightly-report');
 * await lock.using(async (signal, fence) => {
 *   await buildReport({ signal, fence }); // renewed while it runs; signal fires if lost
 * }, { ttl: 30_000, wait: 5_000 });
 * ```
 */
export class Lock extends Model {
  /** Default time to live, in **milliseconds**, of an acquisition without `ttl`. */
  static TTL = 10_000;

  /**
   * This class's lock statistics in this process: acquisitions, how many waited and how long
   * (total, longest), `using()` bodies that lost their lock. Counted in memory, per class.
   * `reset: true` sets them back to zero (the snapshot is of before).
   */
  static stats(options?: { reset?: boolean }): LockStats {
    const tally = lockTally(this);
    const snapshot = { ...tally };
    if (options?.reset)
      Object.assign(tally, { acquired: 0, waited: 0, waitedMs: 0, maxWaitMs: 0, lost: 0 });
    return snapshot;
  }

  /** What this instance holds (an object, so `in(batch)`/`fromMaster()` copies share it). */
  private readonly ownership: Ownership = new OwnershipRecord();

  /**
   * The fencing token of this instance's current acquisition: strictly greater than the token of
   * every earlier acquisition of this lock name, by any owner. `null` before the first acquire
   * and after `release()`.
   */
  get fence(): number | null {
    return this.ownership.fence;
  }

  /**
   * Tries to take the lock (one Lua script: `SET key token NX PX ttl`, then `INCR` of the fencing
   * counter). With `wait`, waits for a held lock up to that many ms, blocking (`BLPOP` on the
   * side list `{key}:wake` on a dedicated connection) until a release or at most 200 ms, then
   * trying again.
   *
   * @returns true when acquired (the fencing token is then in {@link Lock.fence}); false when
   * another owner holds it (after `wait`), or when this instance holds it already.
   * @throws {@link ArgumentError} for a bad `ttl` or `wait`; rejects with `signal.reason` when
   * the signal aborts (a lock acquired at that moment is released first).
   */
  acquire(options?: LockOptions): Promise<boolean> {
    const { ttl, wait, signal } = this.#options(options, ACQUIRE_OPTIONS);
    if (wait > 0 || signal !== undefined) {
      this.direct('acquire() with wait or signal');
      return acquireWaiting(this.#handle, ttl, wait, signal).then((a) => a.code === 1);
    }
    return attempt(this.#handle, ttl, (a) => a.code === 1);
  }

  /**
   * Releases the lock if this instance still owns it (one Lua script: compare the token, `DEL`,
   * and leave a wake-up token for a waiter). O(1).
   *
   * @returns true when released; false when this instance was not the owner (never acquired,
   * released already, expired, or taken over): nothing is deleted then.
   */
  release(): Promise<boolean> {
    return releaseToken(this.#handle, this.ownership.token);
  }

  /**
   * Resets the lock's time to live to `ttl` ms from now if this instance still owns it (one Lua
   * script: compare the token, `PEXPIRE`). O(1).
   *
   * @param ttl - milliseconds; default the ttl of the current acquisition.
   * @returns false when this instance no longer owns the lock (nothing is changed then).
   */
  extend(ttl?: number): Promise<boolean> {
    const ownership = this.ownership;
    const token = ownership.token;
    const ms = this.#ttlArg(ttl === undefined ? ownership.ttl : ttl);
    return extendToken(this.#handle, token, ms, () => {
      if (ownership.token === token) ownership.ttl = ms;
    });
  }

  /** Whether anyone holds the lock (`EXISTS`, on the master). A Python-set `''` counts. */
  locked(): Promise<boolean> {
    return this.#master(['EXISTS', this.key], positive);
  }

  /** Whether this instance still holds the lock (`GET`, on the master, compared with its token). */
  owned(): Promise<boolean> {
    const token = this.ownership.token;
    return this.#master(['GET', this.key], (reply) => token !== undefined && text(reply) === token);
  }

  /**
   * Milliseconds the lock has left (`PTTL`, on the master): `null` when nobody holds it,
   * `Infinity` when it never expires (e.g. set by the Python lock without expiry).
   */
  pttl(): Promise<number | null> {
    return this.#master(['PTTL', this.key], expiry);
  }

  /**
   * Runs `fn` while holding the lock: acquires it (waiting up to `wait` ms), renews it every
   * `ttl / 3` ms while `fn` runs (`extend`), and always releases it when `fn` settles.
   *
   * `fn` gets an AbortSignal that fires (reason: a {@link LockLostError}) if the lock is lost
   * meanwhile: a renewal finds another owner, or renewals fail until the ttl runs out. Check it
   * (`signal.throwIfAborted()`) before committing effects, and pass `fence` to the resource.
   * A lost lock does not interrupt `fn` by itself: `using()` still returns what `fn` returns.
   * If the final release fails (server unreachable), the lock expires after its ttl.
   *
   * @returns what `fn` returns.
   * @throws {@link LockNotAcquiredError} when not acquired within `wait`; rejects with
   * `signal.reason` when `options.signal` aborts while waiting; `fn`'s own errors pass through.
   */
  using<R>(
    fn: (signal: AbortSignal, fence: number) => R | Promise<R>,
    options?: LockOptions,
  ): DirectOnly<R> {
    this.direct('using()'); // synchronously: a batch gets an error, not a rejection
    if (typeof fn !== 'function') {
      throw new ArgumentError(`using(fn, options): fn must be a function, got ${kindOf(fn)}`, {
        model: this.modelName,
        key: this.key,
      });
    }
    const checked = this.#options(options, USING_OPTIONS);
    return this.#runLocked(fn, checked) as DirectOnly<R>;
  }

  /** `using()` once checked: acquire (waiting), run `fn` under the renewal loop, release. */
  async #runLocked<R>(
    fn: (signal: AbortSignal, fence: number) => R | Promise<R>,
    { ttl, wait, signal }: CheckedOptions,
  ): Promise<R> {
    const lock = this.#handle;
    const acquired = await acquireWaiting(lock, ttl, wait, signal);
    if (acquired.code !== 1) {
      throw new LockNotAcquiredError(
        acquired.code === 2
          ? 'this Lock instance holds the lock already (locks are not re-entrant)'
          : `held by another owner${wait > 0 ? ` for the whole wait of ${wait} ms` : ''}`,
        { model: this.modelName, key: this.key },
      );
    }
    const renewal = renew({
      ttl,
      since: acquired.since,
      extend: () => lock.now(extendToken(lock, acquired.token, ttl)),
      subject: 'the lock',
      lost: (message, cause) => {
        const { modelName: model, key } = this;
        lockTally(this.constructor).lost += 1;
        modelEvent({ event: 'lock-lose', model, key, fence: acquired.value });
        return new LockLostError(
          message,
          { model, key },
          cause === undefined ? undefined : { cause },
        );
      },
    });
    try {
      return await fn(renewal.signal, acquired.value);
    } finally {
      await renewal.stop();
      await lock.now(releaseToken(lock, acquired.token)).catch(() => false);
    }
  }

  /** This handle as the lock's steps see it (its protected helpers, bound). */
  /** The step helpers of this instance, made once (a copy makes its own, bound to itself). */
  #lent: LockHandle | undefined;

  get #handle(): LockHandle {
    this.#lent ??= new BoundLock(
      this.lent(),
      this.modelName,
      this.ownership,
      lockTally(this.constructor),
    );
    return this.#lent;
  }

  /**
   * The options of `acquire` and `using`, checked synchronously: an object of known names (a
   * number is not taken for a ttl), the ttl and wait in ms, the signal an AbortSignal.
   */
  #options(options: LockOptions | undefined, shape: OptionsShape): CheckedOptions {
    const context = { model: this.modelName, key: this.key };
    const { ttl, wait, signal } = optionsArg(options, shape, context);
    const checked = signalOption(signal, shape.call, context);
    return { ttl: this.#ttlArg(ttl), wait: this.#waitArg(wait), signal: checked };
  }

  /** The ttl option in ms, checked (default: the class TTL). */
  #ttlArg(ttl: number | undefined): number {
    const ms = ttl === undefined ? (this.constructor as typeof Lock).TTL : ttl;
    this.msArg(ms, 'ttl');
    return ms;
  }

  /** The wait option in ms, checked (0 or absent: one attempt). */
  #waitArg(wait: number | undefined): number {
    if (wait === undefined || wait === 0) return 0;
    this.msArg(wait, 'wait');
    return wait;
  }

  /** A read of the lock's state, sent to the master: a replica may lag behind the lock. */
  #master<R>(args: RedisArg[], decode: (reply: unknown) => R): Promise<R> {
    return this.readPrimary(args, decode);
  }
}
