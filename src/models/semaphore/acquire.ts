import { integer, positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import { newToken } from '../../core/token.js';
import type { Operation } from '../tools.js';
import { stateArgs, type SemaphoreHost } from './host.js';
import { member } from './layout.js';
import { releaseMember } from './release.js';
import { waitForWake } from './wake.js';

/**
 * Acquiring permits: one attempt (sem-acquire-5.lua: sweep, grant in arrival order, fencing
 * `INCR`, in one step), and the waiting loop: a ticket queued in Redis, attempts in between
 * blocks on the ticket's own wake-up list, and leaving the queue when the wait ends.
 *
 * @internal
 * @module
 */

const acquireScript = Script.of('sem-acquire-5', { name: 'sem-acquire-group-5', shared: 2 });
const leaveScript = Script.of('sem-leave-5');

/**
 * Longest a waiter blocks before trying again, ms: each attempt refreshes its place in the
 * queue, and a lost wake-up costs at most this.
 */
export const RECHECK = 1000;
/**
 * How long a queued waiter keeps its place without trying again, ms (ARGV[6]): a waiter that
 * crashed at the head of the queue holds the others up for at most this.
 */
export const PATIENCE = 3 * RECHECK;

/** What one acquisition asks for. */
export interface Request {
  /** Permits. */
  readonly weight: number;
  /** The lease's time to live, ms. */
  readonly ttl: number;
}

/** The outcome of one attempt (the reply of sem-acquire-5.lua). */
export interface Attempt {
  readonly granted: boolean;
  /**
   * The fencing token when granted; else ms until the earliest lease expires (-1: none, or the
   * caller waits behind another waiter).
   */
  readonly value: number;
  /** The holder token tried (new for each attempt). */
  readonly token: string;
  /** `performance.now()` before the attempt was sent: a grant lives at least until since + ttl. */
  readonly since: number;
}

/** The reply of sem-acquire-5.lua as `{code, value}`: the fence alone, or that array (RESP2 and RESP3 alike). */
function pair(reply: unknown): [number, number] {
  if (typeof reply === 'number') return [1, reply]; // acquired: the fence alone
  if (!Array.isArray(reply) || reply.length !== 2) {
    throw new Error(`unexpected acquire reply ${JSON.stringify(reply)}`);
  }
  return [integer(reply[0]), integer(reply[1])];
}

/**
 * One attempt with a new holder token. Without a ticket it never queues and never overtakes
 * queued waiters; with one (and `patience` ms) the caller waits in the queue when not granted.
 * One command: queues into a batch.
 *
 * @param map - turns the attempt into the operation's result.
 */
export function attempt<R>(
  host: SemaphoreHost,
  { weight, ttl }: Request,
  map: (attempt: Attempt) => R,
  ticket = '',
  patience = 0,
): Operation<R> {
  const token = newToken();
  const since = performance.now();
  const args = [
    ...stateArgs(host),
    member(weight, token),
    String(weight),
    String(ttl),
    String(patience),
    ticket === '' ? '' : member(weight, ticket),
  ];
  return host.script(acquireScript, host.keys.all, args, {
    write: true,
    decode: (reply) => {
      const [code, value] = pair(reply);
      return map({ granted: code === 1, value, token, since });
    },
  });
}

/** Takes the waiter `ticket` off the queue and wakes the next head (sem-leave-5.lua). */
function leave(host: SemaphoreHost, weight: number, ticket: string): Operation<boolean> {
  return host.script(leaveScript, host.keys.all, [...stateArgs(host), member(weight, ticket)], {
    write: true,
    decode: positive,
  });
}

/**
 * Attempts until granted, `wait` ms have passed, or `signal` aborts. The first attempt that is
 * not granted queues a ticket (arrival order); between attempts the caller blocks on the
 * ticket's wake-up list (a dedicated connection) for at most `min(wait left, until the earliest
 * lease expires, RECHECK)`, timed on the client when the end of the wait is what bounds it. The
 * ticket leaves the queue however the wait ends. Several round trips: never in a batch.
 *
 * @returns the last attempt (granted, or not within `wait`).
 * @throws `signal.reason` when the signal aborts (permits granted meanwhile are released
 * first); connection failures, typed.
 */
export async function acquireWaiting(
  host: SemaphoreHost,
  request: Request,
  wait: number,
  signal?: AbortSignal,
): Promise<Attempt> {
  signal?.throwIfAborted();
  const ticket = newToken();
  const patience = wait > 0 ? PATIENCE : 0;
  const deadline = performance.now() + wait;
  let queued = false;
  try {
    for (;;) {
      queued ||= patience > 0; // from the moment it is sent, the attempt may queue the ticket
      const tried = await host.now(attempt(host, request, (a) => a, ticket, patience));
      if (tried.granted) {
        queued = false; // the grant took the ticket off the queue
        if (signal?.aborted) {
          const held = member(request.weight, tried.token);
          await host.now(releaseMember(host, held)).catch(() => false);
          throw signal.reason;
        }
        return tried;
      }
      signal?.throwIfAborted();
      const left = deadline - performance.now();
      if (left <= 0) return tried;
      const due = tried.value >= 0 ? tried.value : Infinity;
      const block = Math.max(1, Math.ceil(Math.min(left, due, RECHECK)));
      const list = host.keys.wake + ticket;
      await waitForWake(host, list, block, left <= Math.min(due, RECHECK), signal);
    }
  } finally {
    if (queued) await host.now(leave(host, request.weight, ticket)).catch(() => false);
  }
}
