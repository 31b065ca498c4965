import type { ErrorContext } from '../../core/errors.js';
import { msArg } from '../args.js';

/**
 * The lease a Semaphore grants: what it holds (weight, fencing token, ttl) and how to extend or
 * release it, through the steps its Semaphore lends.
 *
 * @module
 */

/** What a lease calls on its semaphore (bound to a handle that runs commands at once). @internal */
export interface LeaseSteps {
  /** The semaphore's model and key, for errors. */
  readonly context: ErrorContext;
  /** Moves the holder `member`'s deadline to `ttl` ms from now; false when it no longer holds. */
  extend(member: string, ttl: number): Promise<boolean>;
  /** Removes the holder `member`; false when it no longer held. */
  release(member: string): Promise<boolean>;
}

/** What an acquisition granted. @internal */
export interface Grant {
  readonly fence: number;
  readonly weight: number;
  readonly token: string;
  readonly ttl: number;
  /** `performance.now()` before the grant was sent: the lease surely lives until since + ttl. */
  readonly since: number;
}

/**
 * Permits held by one acquisition of a {@link Semaphore}, until `release()` or until its time to
 * live runs out on the server's clock (then its permits come back by themselves: a crashed
 * holder cannot leak them). Made by `Semaphore.acquire()` and `using()`, never by hand.
 *
 * @example
 * ```ts
 * const lease = await slots.acquire({ weight: 2, wait: 30_000 });
 * if (lease) {
 *   try {
 *     await render({ fence: lease.fence });
 *   } finally {
 *     await lease.release();
 *   }
 * }
 * ```
 */
export class Lease {
  /**
   * The fencing token of this acquisition: strictly greater than the token of every earlier
   * acquisition of this semaphore (its key), by any holder. Hand it to the resource the permits
   * guard so it can refuse a holder whose lease expired.
   */
  readonly fence: number;
  /** How many permits it holds. */
  readonly weight: number;
  /**
   * Its holder token, unique per acquisition (the holders' sorted set stores `weight:token` for
   * a weight of 1, else one unit per permit, `weight:token#1` .. `weight:token#weight`).
   */
  readonly token: string;
  #ttl: number;
  /** `performance.now()` when the last confirmed grant or extend was sent. */
  #confirmed: number;
  /** Released, or found lost by an extend. */
  #ended = false;
  readonly #steps: LeaseSteps;

  /** @internal made by the Semaphore */
  constructor(grant: Grant, steps: LeaseSteps) {
    this.fence = grant.fence;
    this.weight = grant.weight;
    this.token = grant.token;
    this.#ttl = grant.ttl;
    this.#confirmed = grant.since;
    this.#steps = steps;
  }

  /** Its time to live, ms: the one it was granted with, or the last `extend(ttl)`. */
  get ttl(): number {
    return this.#ttl;
  }

  /**
   * Whether this lease surely still holds, as this process can tell without asking the server:
   * not released, not found lost by an extend, and less than its ttl since the grant or the last
   * extend was sent (on the local monotonic clock). A cheap check before committing work; the
   * server remains the authority (and the fencing token the protection).
   */
  held(): boolean {
    return !this.#ended && performance.now() < this.#confirmed + this.#ttl;
  }

  /**
   * Resets the lease's time to live to `ttl` ms from now (server clock) if it still holds (one
   * Lua script). A lease that expired is not revived: its permits may be someone else's.
   *
   * @param ttl - milliseconds; default the lease's current ttl.
   * @returns false when the lease no longer holds (expired, released, or its key deleted).
   * @throws {@link ArgumentError} for a bad `ttl`, before anything is sent.
   */
  extend(ttl?: number): Promise<boolean> {
    const ms = ttl === undefined ? this.#ttl : Number(msArg(ttl, 'ttl', this.#steps.context));
    const sent = performance.now();
    return this.#steps.extend(this.#member, ms).then((extended) => {
      if (!extended) this.#ended = true;
      else if (!this.#ended) {
        this.#ttl = ms;
        this.#confirmed = sent;
      }
      return extended;
    });
  }

  /**
   * Gives the permits back (one Lua script; the first waiter in the queue is woken when its
   * weight fits now). Safe to call twice, or after the lease expired.
   *
   * @returns true when released; false when the lease no longer held (released already, or
   * expired and its permits back).
   */
  release(): Promise<boolean> {
    this.#ended = true;
    return this.#steps.release(this.#member);
  }

  /** Its member in the holders' sorted set. */
  get #member(): string {
    return `${this.weight}:${this.token}`;
  }
}
