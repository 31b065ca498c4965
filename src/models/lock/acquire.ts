import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import { newToken } from '../../core/token.js';
import type { Operation } from '../model.js';
import { sideKeys, WAKE_TTL_MS, type LockHandle } from './handle.js';
import { releaseToken } from './release.js';
import { waitOnList } from '../wake-list.js';
import { modelEvent, modelEvents } from '../../core/tracing.js';
import { countAcquired } from './stats.js';

/**
 * Acquiring a lock: one attempt (lock-acquire-3.lua: `SET NX PX` and the fencing `INCR` in one
 * step), and the waiting loop that repeats attempts, blocking on the wake-up list in between.
 *
 * @internal
 * @module
 */

const acquireScript = Script.of('lock-acquire-3');

/** Longest a waiter blocks before trying again (covers expiries and Python-style releases). */
const POLL_MS = 200;
/** Shortest block between two attempts, so an almost expired lock does not cause a busy loop. */
const MIN_PAUSE_MS = 5;

/** The outcome of one acquire attempt (the reply of lock-acquire-3.lua). */
export interface Attempt {
  /** 1 acquired, 2 held by this instance already, 0 held by another owner. */
  code: number;
  /** The fencing token when acquired, else the lock's ms left (-1: no expiry). */
  value: number;
  /** The owner token tried. */
  token: string;
  /** `performance.now()` before the attempt was sent: the lock surely lives until since + ttl. */
  since: number;
}

/** The reply of lock-acquire-3.lua as `{code, value}`: the fence alone, or that array (RESP2 and RESP3 alike). */
function pair(reply: unknown): [number, number] {
  if (typeof reply === 'number') return [1, reply]; // acquired: the fence alone
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new Error(`unexpected acquire reply ${JSON.stringify(reply)}`);
  }
  return [integer(reply[0]), integer(reply[1])];
}

/**
 * One acquire attempt with a new owner token and a time to live of `ttl` ms; records the
 * ownership (token, fence, ttl) in the handle when it succeeds. One command: queues into a batch.
 *
 * @param map - turns the attempt into the operation's result (e.g. `a => a.code === 1`).
 * @param waiting - the caller will wait if the lock is held: a failed attempt then sets the
 * "someone waits" flag in the same step, so the next release wakes it.
 */
export function attempt<R>(
  lock: LockHandle,
  ttl: number,
  map: (attempt: Attempt) => R,
  waiting = false,
  started?: number,
): Operation<R> {
  const token = newToken();
  const since = performance.now();
  const { fence, waiting: flag } = sideKeys(lock.key);
  return lock.script(
    acquireScript,
    [lock.key, fence, flag],
    [token, String(ttl), lock.ownership.token ?? '', waiting ? WAKE_TTL_MS : '0'],
    {
      write: true,
      decode: (reply) => {
        const [code, value] = pair(reply);
        if (code === 1) {
          const held = lock.ownership;
          held.token = token;
          held.fence = value;
          held.ttl = ttl;
          const waited = started === undefined ? 0 : Math.round(performance.now() - started);
          countAcquired(lock.tally, waited);
          if (modelEvents.hasSubscribers) {
            const { modelName: model, key } = lock;
            modelEvent({ event: 'lock-acquire', model, key, fence: value, waited });
          }
        }
        return map({ code, value, token, since });
      },
    },
  );
}

/**
 * Attempts until the lock is acquired, held by this instance already, `wait` ms have passed,
 * or `signal` aborts. Between two attempts it blocks (`BLPOP` on the wake-up list, on a
 * dedicated connection) until a release pushes a wake-up token, for at most
 * `min(wait left, the lock's ttl left, 200 ms)`. Several round trips: never in a batch.
 *
 * @returns the last attempt: `code` 1 acquired, 2 held by this instance, 0 not acquired.
 * @throws `signal.reason` when the signal aborts (an acquisition that succeeded meanwhile is
 * released first).
 */
export async function acquireWaiting(
  lock: LockHandle,
  ttl: number,
  wait: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  signal?.throwIfAborted();
  const deadline = performance.now() + wait;
  const { wake } = sideKeys(lock.key);
  const started = performance.now();
  let waited = false;
  for (;;) {
    const tried = await lock.now(attempt(lock, ttl, (a) => a, true, waited ? started : undefined));
    if (tried.code === 1 && signal?.aborted) {
      await lock.now(releaseToken(lock, tried.token)).catch(() => false);
      throw signal.reason;
    }
    if (tried.code !== 0) return tried;
    signal?.throwIfAborted();
    const left = deadline - performance.now();
    if (left <= 0) return tried;
    const expires = tried.value >= 0 ? tried.value : POLL_MS;
    const pause = Math.max(MIN_PAUSE_MS, Math.min(left, expires, POLL_MS));
    if (!waited) {
      waited = true;
      modelEvent({ event: 'lock-wait', model: lock.modelName, key: lock.key });
    }
    // Timed on the client (a frozen server, the server's tick); a wake-up token taken after
    // the pause ended is put back for the next waiter.
    await waitOnList({
      blocking: (fn) => lock.blocking(fn, signal),
      list: wake,
      ms: pause,
      exact: true,
      tokenTtl: WAKE_TTL_MS,
      single: true,
      signal,
    });
  }
}
