import type { RedisArg } from '../core/command.js';
import { RedisextError } from '../core/errors.js';
import { Script } from '../core/script.js';
import { integer, positive, expiry, text } from '../core/decoders.js';
import { sideKey } from '../core/keys.js';
import { newToken } from '../core/token.js';
import { Model } from './model.js';
import type { DirectOnly } from '../batch/types.js';

const acquireScript = Script.of('lock-acquire-3');
const releaseScript = Script.of('lock-release-3');
const extendScript = Script.of('lock-extend-1');

/** Longest a waiter blocks before trying again (covers expiries and Python-style releases). */
const POLL_MS = 200;
/** Shortest block between two attempts, so an almost expired lock does not cause a busy loop. */
const MIN_PAUSE_MS = 5;
/** How long an unclaimed wake-up token stays on the wake-up list. */
const WAKE_TTL_MS = '1000';

/** Base class of the errors about a {@link Lock}. */
export class LockError extends RedisextError {}

/** `using()` could not acquire the lock: held by another owner (within `wait`), or by this very instance. */
export class LockNotAcquiredError extends LockError {}

/**
 * The lock was lost while held by `using()`: it expired or another owner took it (the renewal
 * found another token), or renewals kept failing until its time to live ran out. It is the
 * `reason` of the signal `using()` hands to its callback.
 */
export class LockLostError extends LockError {}

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

/** What this handle holds; shared by the handle's copies (`in(batch)`, `fromMaster()`). */
interface Ownership {
  /** The owner token stored in the lock key, while this instance believes it holds the lock. */
  token: string | undefined;
  /** The fencing token of that acquisition. */
  fence: number | null;
  /** Its time to live (ms), the default of `extend()`. */
  ttl: number | undefined;
}

/** The outcome of one acquire attempt (the reply of lock-acquire.lua). */
interface Attempt {
  /** 1 acquired, 2 held by this instance already, 0 held by another owner. */
  code: number;
  /** The fencing token when acquired, else the lock's ms left (-1: no expiry). */
  value: number;
  /** The owner token tried. */
  token: string;
  /** `performance.now()` before the attempt was sent: the lock surely lives until since + ttl. */
  since: number;
}

/** The `{code, value}` array of lock-acquire.lua (RESP2 and RESP3 alike). */
function pair(reply: unknown): [number, number] {
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new Error(`unexpected acquire reply ${JSON.stringify(reply)}`);
  }
  return [integer(reply[0]), integer(reply[1])];
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

  /** What this instance holds (an object, so `in(batch)`/`fromMaster()` copies share it). */
  private readonly ownership: Ownership = { token: undefined, fence: null, ttl: undefined };

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
  acquire(options: LockOptions = {}): Promise<boolean> {
    const ttl = this.ttlArg(options.ttl);
    const wait = this.waitArg(options.wait);
    if (wait > 0 || options.signal !== undefined) {
      this.direct('acquire() with wait or signal');
      return this.obtain(ttl, wait, options.signal).then((attempt) => attempt.code === 1);
    }
    return this.attempt(ttl, (attempt) => attempt.code === 1);
  }

  /**
   * Releases the lock if this instance still owns it (one Lua script: compare the token, `DEL`,
   * and leave a wake-up token for a waiter). O(1).
   *
   * @returns true when released; false when this instance was not the owner (never acquired,
   * released already, expired, or taken over): nothing is deleted then.
   */
  release(): Promise<boolean> {
    return this.releaseToken(this.ownership.token);
  }

  /**
   * Resets the lock's time to live to `ttl` ms from now if this instance still owns it (one Lua
   * script: compare the token, `PEXPIRE`). O(1).
   *
   * @param ttl - milliseconds; default the ttl of the current acquisition.
   * @returns false when this instance no longer owns the lock (nothing is changed then).
   */
  extend(ttl?: number): Promise<boolean> {
    const token = this.ownership.token;
    const ms = this.ttlArg(ttl ?? this.ownership.ttl);
    return this.extendToken(token, ms, () => {
      if (this.ownership.token === token) this.ownership.ttl = ms;
    });
  }

  /** Whether anyone holds the lock (`EXISTS`, on the master). A Python-set `''` counts. */
  locked(): Promise<boolean> {
    return this.master(['EXISTS', this.key], positive);
  }

  /** Whether this instance still holds the lock (`GET`, on the master, compared with its token). */
  owned(): Promise<boolean> {
    const token = this.ownership.token;
    return this.master(['GET', this.key], (reply) => token !== undefined && text(reply) === token);
  }

  /**
   * Milliseconds the lock has left (`PTTL`, on the master): `null` when nobody holds it,
   * `Infinity` when it never expires (e.g. set by the Python lock without expiry).
   */
  pttl(): Promise<number | null> {
    return this.master(['PTTL', this.key], expiry);
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
    options: LockOptions = {},
  ): DirectOnly<R> {
    this.direct('using()'); // synchronously: a batch gets an error, not a rejection
    return this.runLocked(fn, options) as DirectOnly<R>;
  }

  private async runLocked<R>(
    fn: (signal: AbortSignal, fence: number) => R | Promise<R>,
    options: LockOptions,
  ): Promise<R> {
    const ttl = this.ttlArg(options.ttl);
    const wait = this.waitArg(options.wait);
    const attempt = await this.obtain(ttl, wait, options.signal);
    if (attempt.code !== 1) {
      throw new LockNotAcquiredError(
        attempt.code === 2
          ? 'this Lock instance holds the lock already (locks are not re-entrant)'
          : `held by another owner${wait > 0 ? ` for the whole wait of ${wait} ms` : ''}`,
        { model: this.modelName, key: this.key },
      );
    }
    const lost = new AbortController();
    const stop = this.renew(attempt, ttl, lost);
    try {
      return await fn(lost.signal, attempt.value);
    } finally {
      await stop();
      await this.releaseToken(attempt.token).catch(() => false);
    }
  }

  /** The ttl option in ms, checked (default: the class TTL). */
  private ttlArg(ttl: number | undefined): number {
    const ms = ttl ?? (this.constructor as typeof Lock).TTL;
    this.msArg(ms, 'ttl');
    return ms;
  }

  /** The wait option in ms, checked (0 or absent: one attempt). */
  private waitArg(wait: number | undefined): number {
    if (wait === undefined || wait === 0) return 0;
    this.msArg(wait, 'wait');
    return wait;
  }

  /** A read of the lock's state, sent to the master: a replica may lag behind the lock. */
  private master<R>(args: RedisArg[], decode: (reply: unknown) => R): Promise<R> {
    return this.readPrimary(args, decode);
  }

  /** One acquire attempt (lock-acquire.lua); records the ownership when it succeeds. */
  private attempt<R>(ttl: number, map: (attempt: Attempt) => R, waiting = false): Promise<R> {
    const token = newToken();
    const since = performance.now();
    return this.script(
      acquireScript,
      [this.key, sideKey(this.key, 'fence'), sideKey(this.key, 'waiting')],
      [token, String(ttl), this.ownership.token ?? '', waiting ? WAKE_TTL_MS : '0'],
      {
        write: true,
        decode: (reply) => {
          const [code, value] = pair(reply);
          if (code === 1) Object.assign(this.ownership, { token, fence: value, ttl });
          return map({ code, value, token, since });
        },
      },
    );
  }

  /** Attempts until acquired, held by this instance, `wait` elapsed, or `signal` aborted. */
  private async obtain(ttl: number, wait: number, signal?: AbortSignal): Promise<Attempt> {
    this.direct('acquire() with wait or signal');
    signal?.throwIfAborted();
    const deadline = performance.now() + wait;
    const wake = sideKey(this.key, 'wake');
    for (;;) {
      const attempt = await this.attempt(ttl, (a) => a, true);
      if (attempt.code === 1 && signal?.aborted) {
        await this.releaseToken(attempt.token).catch(() => false);
        throw signal.reason;
      }
      if (attempt.code !== 0) return attempt;
      signal?.throwIfAborted();
      const left = deadline - performance.now();
      if (left <= 0) return attempt;
      const expires = attempt.value >= 0 ? attempt.value : POLL_MS;
      const pause = Math.max(MIN_PAUSE_MS, Math.min(left, expires, POLL_MS));
      const seconds = (pause / 1000).toFixed(3);
      await this.blocking((client) => client.sendCommand(['BLPOP', wake, seconds]), signal);
    }
  }

  /** Compare-and-delete of `token` (lock-release.lua). */
  private releaseToken(token: string | undefined): Promise<boolean> {
    return this.script(
      releaseScript,
      [this.key, sideKey(this.key, 'wake'), sideKey(this.key, 'waiting')],
      // Without a token, one nobody holds: an empty one would match a Python-held lock.
      [token ?? newToken(), WAKE_TTL_MS],
      {
        write: true,
        decode: (reply) => {
          if (token !== undefined && this.ownership.token === token) {
            Object.assign(this.ownership, { token: undefined, fence: null, ttl: undefined });
          }
          return positive(reply);
        },
      },
    );
  }

  /** Compare-and-PEXPIRE of `token` (lock-extend.lua). */
  private extendToken(
    token: string | undefined,
    ttl: number,
    onExtended?: () => void,
  ): Promise<boolean> {
    return this.script(extendScript, [this.key], [token ?? newToken(), String(ttl)], {
      write: true,
      decode: (reply) => {
        const extended = positive(reply);
        if (extended) onExtended?.();
        return extended;
      },
    });
  }

  /**
   * The watchdog of `using()`: extends the lock every ttl/3 ms (one extend at a time) and aborts
   * `lost` when an extend finds another owner, when the next try would come after the expiry,
   * or when nothing confirmed the lock for a whole ttl (an extend that hangs). Returns `stop`.
   */
  private renew(acquired: Attempt, ttl: number, lost: AbortController): () => Promise<void> {
    const every = Math.max(1, Math.floor(ttl / 3));
    const context = { model: this.modelName, key: this.key };
    let confirmed = acquired.since;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let expiry: NodeJS.Timeout | undefined;
    let pending: Promise<void> | undefined;
    const lose = (message: string, cause?: unknown): void => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearTimeout(expiry);
      lost.abort(new LockLostError(message, context, cause === undefined ? undefined : { cause }));
    };
    const arm = (): void => {
      clearTimeout(expiry);
      const left = Math.max(0, confirmed + ttl - performance.now());
      expiry = setTimeout(() => lose(`not renewed within its ttl of ${ttl} ms`), left);
      expiry.unref();
    };
    const tick = (): void => {
      const sent = performance.now();
      pending = this.extendToken(acquired.token, ttl)
        .then(
          (extended) => {
            if (stopped) return;
            if (!extended) return lose('the lock expired or another owner took it');
            confirmed = sent;
            arm();
          },
          (error: unknown) => {
            if (performance.now() - confirmed + every >= ttl) {
              const why = error instanceof Error ? error.message : String(error);
              lose(`could not renew the lock before its ttl ran out: ${why}`, error);
            }
          },
        )
        .finally(() => {
          pending = undefined;
          if (!stopped) schedule();
        });
    };
    const schedule = (): void => {
      timer = setTimeout(tick, every);
      timer.unref();
    };
    arm();
    schedule();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(expiry);
      await pending;
    };
  }
}
