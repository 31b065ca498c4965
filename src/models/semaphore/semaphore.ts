import type { DirectOnly } from '../../batch/types.js';
import { positive } from '../../core/decoders.js';
import { ArgumentError } from '../../core/errors.js';
import { renew } from '../lock/renewal.js';
import { kindOf, optionsArg, signalOption, type OptionsShape } from '../args.js';
import { Model } from '../model.js';
import { acquireWaiting, attempt, type Attempt, type Request } from './acquire.js';
import { LeaseLostError, SemaphoreNotAcquiredError } from './errors.js';
import { extendMember } from './extend.js';
import { BoundHost, BoundSteps, type SemaphoreHost } from './host.js';
import { semaphoreKeys, type SemaphoreKeys } from './layout.js';
import { Lease, type LeaseSteps } from './lease.js';
import { releaseMember } from './release.js';
import { settingsOf, weightArg } from './settings.js';
import { statsOf, type SemaphoreStats } from './stats.js';

/** Options of {@link Semaphore.acquire} and {@link Semaphore.using}. */
export interface SemaphoreOptions {
  /** How many permits to take, a positive integer up to `PERMITS`; default 1. */
  weight?: number;
  /** Time to live of the lease, in **milliseconds**; default the class `TTL` (10 000). */
  ttl?: number;
  /**
   * How long to wait for the permits, in **milliseconds**; default 0 (one attempt, which never
   * overtakes queued waiters). Waiting queues the caller in arrival order and blocks on a
   * dedicated connection until woken (and at least every second, to keep its place).
   */
  wait?: number;
  /** Stops waiting: the call then rejects with the signal's `reason`. */
  signal?: AbortSignal;
}

/**
 * The options of acquire() and using(), checked. This and the other objects a handle keeps
 * while its calls are in flight are class instances, never pretenured (see `Call` in
 * core/command.ts).
 */
class Checked implements Request {
  constructor(
    readonly weight: number,
    readonly ttl: number,
    readonly wait: number,
    readonly signal: AbortSignal | undefined,
  ) {}
}

/** The options of `acquire()` (made once: it is checked on every call). */
const ACQUIRE_OPTIONS: OptionsShape = {
  call: 'acquire(options)',
  known: ['weight', 'ttl', 'wait', 'signal'],
  number: 'weight',
};
/** The options of `using()`. */
const USING_OPTIONS: OptionsShape = { ...ACQUIRE_OPTIONS, call: 'using(fn, options)' };

/** The handle a copy was made from (see `Semaphore.origin`). */
class Origin {
  constructor(readonly semaphore: Semaphore) {}
}

/**
 * A distributed counting semaphore with **leased, weighted permits**: at most `PERMITS` units
 * of weight are held at once, by any number of processes. Each acquisition is a {@link Lease}
 * with a time to live on the server's clock, so a holder that crashes gives its permits back
 * when its lease expires, and a **fencing token** that strictly increases per semaphore.
 * Waiters are served **in arrival order** (a queue in Redis; a heavy waiter at its head is not
 * overtaken by lighter ones) and woken without polling. Every step is one Lua script on keys of
 * one hash tag: cluster-safe.
 *
 * Configuration (static fields, or `@model({...})`): `PERMITS` (required), `TTL` (the default
 * lease ttl, ms, 10 000). Every handle of one semaphore must use the same `PERMITS`.
 * Single-instance semantics; see docs/models/semaphore.md for what is guaranteed.
 *
 * @example
 * ```ts
 * @model({ connection: Main, permits: 5, ttl: 10_000 })
 * class GpuSlots extends Semaphore {}
 * const slots = new GpuSlots('gpu');
 * await slots.using(async (signal, lease) => {
 *   await train({ signal, fence: lease.fence }); // renewed while it runs; signal fires if lost
 * }, { weight: 2, wait: 30_000 });
 * ```
 */
export class Semaphore extends Model {
  /** How many permits (units of weight) may be held at once. Required. */
  static PERMITS?: number;
  /** Default time to live, in **milliseconds**, of a lease acquired without `ttl`. */
  static TTL = 10_000;

  /**
   * The handle this one was made from (itself, for a handle constructed by hand): leases run
   * their steps through it, so a lease granted in a batch extends and releases directly.
   */
  private readonly origin: Origin = new Origin(this);

  /**
   * The class's `PERMITS`.
   * @throws {@link ConfigError} when it is missing or not a positive integer.
   */
  get permits(): number {
    return this.#settings.permits;
  }

  /**
   * Tries to take `weight` permits (one Lua script): granted when they are free and nobody is
   * queued ahead. With `wait`, queues in arrival order and waits up to that many ms, blocking
   * (`BLPOP` on a list of its own, on a dedicated connection) until a release or an expiry lets
   * it in.
   *
   * @returns the {@link Lease}, or null when the permits were not free (for the whole `wait`).
   * @throws {@link ArgumentError} for a bad `weight`, `ttl` or `wait`; {@link ConfigError} when
   * the class has no valid `PERMITS`; rejects with `signal.reason` when the signal aborts (permits
   * granted at that moment are released first).
   */
  acquire(options?: SemaphoreOptions): Promise<Lease | null> {
    const checked = this.#options(options, ACQUIRE_OPTIONS);
    const host = this.#host;
    if (checked.wait > 0 || checked.signal !== undefined) {
      this.direct('acquire() with wait or signal');
      return acquireWaiting(host, checked, checked.wait, checked.signal).then((a) =>
        this.#lease(a, checked),
      );
    }
    return attempt(host, checked, (a) => this.#lease(a, checked));
  }

  /**
   * Runs `fn` while holding `weight` permits: acquires them (waiting up to `wait` ms), renews
   * the lease every `ttl / 3` ms while `fn` runs, and always releases it when `fn` settles.
   *
   * `fn` gets an AbortSignal that fires (reason: a {@link LeaseLostError}) if the lease is lost
   * meanwhile: a renewal finds it gone, or renewals fail until the ttl runs out. Check it before
   * committing effects, and pass `lease.fence` to the resource. A lost lease does not interrupt
   * `fn` by itself: `using()` still returns what `fn` returns.
   *
   * @returns what `fn` returns.
   * @throws {@link SemaphoreNotAcquiredError} when not acquired within `wait`; rejects with
   * `signal.reason` when `options.signal` aborts while waiting; `fn`'s own errors pass through.
   */
  using<R>(
    fn: (signal: AbortSignal, lease: Lease) => R | Promise<R>,
    options?: SemaphoreOptions,
  ): DirectOnly<R> {
    this.direct('using()'); // synchronously: a batch gets an error, not a rejection
    if (typeof fn !== 'function') {
      throw new ArgumentError(
        `using(fn, options): fn must be a function, got ${kindOf(fn)}`,
        this.errorContext,
      );
    }
    const checked = this.#options(options, USING_OPTIONS);
    return this.#runHolding(fn, checked) as DirectOnly<R>;
  }

  /** Permits free now (`PERMITS` minus the weight of the leases not expired). One script. */
  available(): Promise<number> {
    return statsOf(this.#host, (stats) => stats.available);
  }

  /** How many callers wait in the queue now. One script. */
  waiting(): Promise<number> {
    return statsOf(this.#host, (stats) => stats.waiting);
  }

  /** Permits, weight held, holders and waiters, at one instant (one script). */
  stats(): Promise<SemaphoreStats> {
    return statsOf(this.#host, (stats) => stats);
  }

  /**
   * Removes the semaphore's state (`UNLINK` of the holders, the queue and its side keys; the
   * fencing counter stays): every lease is lost, the permits are all free. An administrator's
   * reset, not a release. Waiters still waiting queue again at their next attempt.
   *
   * @returns true when anything existed.
   */
  override delete(): Promise<boolean> {
    const [holders, queue, alive, state] = this.#keys.all;
    return this.write(['UNLINK', holders, queue, alive, state], positive);
  }

  /** `using()` once checked: acquire (waiting), run `fn` under the renewal loop, release. */
  async #runHolding<R>(
    fn: (signal: AbortSignal, lease: Lease) => R | Promise<R>,
    checked: Checked,
  ): Promise<R> {
    const { weight, ttl, wait, signal } = checked;
    const acquired = await acquireWaiting(this.#host, checked, wait, signal);
    const lease = this.#lease(acquired, checked);
    if (lease === null) {
      const within = wait > 0 ? ` within the wait of ${wait} ms` : '';
      throw new SemaphoreNotAcquiredError(
        `${weight} of ${this.permits} permits not free${within}`,
        this.errorContext,
      );
    }
    const context = this.errorContext;
    const renewal = renew({
      ttl,
      since: acquired.since,
      extend: () => lease.extend(ttl),
      subject: 'the lease',
      gone: 'the lease expired or was removed',
      lost: (message, cause) =>
        new LeaseLostError(message, context, cause === undefined ? undefined : { cause }),
    });
    try {
      return await fn(renewal.signal, lease);
    } finally {
      await renewal.stop();
      await lease.release().catch(() => false);
    }
  }

  /** The lease of a granted attempt (null when not granted), working through the origin handle. */
  #lease(attempt: Attempt, { weight, ttl }: Request): Lease | null {
    if (!attempt.granted) return null;
    const grant = { fence: attempt.value, weight, token: attempt.token, ttl, since: attempt.since };
    return new Lease(grant, this.origin.semaphore.#steps);
  }

  /** The checked class configuration. */
  get #settings(): { permits: number; ttl: number } {
    return settingsOf(this.constructor as typeof Semaphore, this.key);
  }

  /** The keys, once computed. */
  #keyCache: SemaphoreKeys | undefined;

  /** This semaphore's keys (computed once per handle). */
  get #keys(): SemaphoreKeys {
    return (this.#keyCache ??= semaphoreKeys(this.key));
  }

  /** The steps' view of this handle, once made (a copy makes its own, bound to itself). */
  #lent: SemaphoreHost | undefined;

  /** This handle as the steps see it: its protected helpers, bound (again if PERMITS changed). */
  get #host(): SemaphoreHost {
    const permits = this.permits;
    if (this.#lent?.permits === permits) return this.#lent;
    return (this.#lent = new BoundHost(this.lent(), this.errorContext, this.#keys, permits));
  }

  /** What a lease calls, bound to this handle (which runs its commands at once). */
  get #steps(): LeaseSteps {
    const host = this.#host;
    return new BoundSteps(
      host.context,
      (member, ttl) => host.now(extendMember(host, member, ttl)),
      (member) => host.now(releaseMember(host, member)),
    );
  }

  /**
   * The options of `acquire` and `using`, checked synchronously: an object of known names (a
   * lone number is refused, its error says to write `{ weight }`), a weight within the permits,
   * the ttl and wait in ms, the signal an AbortSignal.
   */
  #options(options: SemaphoreOptions | undefined, shape: OptionsShape): Checked {
    const { permits, ttl: defaultTtl } = this.#settings;
    const context = this.errorContext;
    const { weight, ttl, wait, signal } = optionsArg(options, shape, context);
    return new Checked(
      weightArg(weight, permits, context),
      ttl === undefined ? defaultTtl : Number(this.msArg(ttl, 'ttl')),
      wait === undefined || wait === 0 ? 0 : Number(this.msArg(wait, 'wait')),
      signalOption(signal, shape.call, context),
    );
  }
}
