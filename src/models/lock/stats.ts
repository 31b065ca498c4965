/**
 * The wait statistics of the locks, in this process: one set of counters per Lock class, shared
 * by every instance (`Jobs.stats()`). In memory only: counting in Redis would add a write to
 * every acquire.
 *
 * @module
 */

/** What `Lock.stats()` returns: acquisitions by this process since its start (or a reset). */
export interface LockStats {
  /** Acquisitions that succeeded. */
  acquired: number;
  /** Of those, how many had to wait for another owner's release. */
  waited: number;
  /** Total time spent waiting by the acquisitions that succeeded, ms. */
  waitedMs: number;
  /** The longest of those waits, ms. */
  maxWaitMs: number;
  /** `using()` bodies whose lock was lost while they ran (renewal failed). */
  lost: number;
}

/** The counters of one class, counted into while acquisitions are in flight. @internal */
export type LockTally = LockStats;

const tallies = new WeakMap<object, LockTally>();

/** The counters of the Lock class `cls`, created at zero on first use. @internal */
export function lockTally(cls: object): LockTally {
  let tally = tallies.get(cls);
  if (tally === undefined) {
    tally = { acquired: 0, waited: 0, waitedMs: 0, maxWaitMs: 0, lost: 0 };
    tallies.set(cls, tally);
  }
  return tally;
}

/** Counts an acquisition that waited `waitedMs` (0: at once). @internal */
export function countAcquired(tally: LockTally, waitedMs: number): void {
  tally.acquired += 1;
  if (waitedMs > 0) {
    tally.waited += 1;
    tally.waitedMs += waitedMs;
    if (waitedMs > tally.maxWaitMs) tally.maxWaitMs = waitedMs;
  }
}
