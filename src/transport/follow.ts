import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from '../core/command.js';
import { CommandError, ConnectionError, PipelineError, TransactionError } from '../core/errors.js';

/**
 * Following a failover: a call that failed because a server went away, or because the cluster
 * refused it while it reconfigures, is made again, for a bounded time, when it surely did not
 * run. Used by the cluster (after a slot refresh, cluster-refresh.ts) and by Sentinel (the
 * master is looked up again on each connect).
 *
 * @internal
 * @module
 */

/** At most this many attempts of one call while a failover is followed. */
const MAX_ATTEMPTS = 50;
/** Error replies of a server that refused the command before running it. */
const REFUSED = new Set(['CLUSTERDOWN', 'TRYAGAIN', 'LOADING', 'MASTERDOWN']);

/** A typed error of a command that a server refused before running it. */
function refused(error: unknown): boolean {
  return error instanceof CommandError && REFUSED.has(error.code);
}

/**
 * Whether a failure may come from a change of the servers, so that what routes the call may be
 * stale (a cluster's slot map is then refreshed): a lost or refused connection, `CLUSTERDOWN`,
 * or a batch that had such a failure.
 */
export function staleRoute(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (error instanceof CommandError) return error.code === 'CLUSTERDOWN';
  if (error instanceof PipelineError) return error.failures.some((f) => staleRoute(f.error));
  return false;
}

/**
 * Whether `command` may be sent again after this typed failure: it surely did not run (nothing
 * was sent, or a node refused it: `CLUSTERDOWN`, `TRYAGAIN`, `LOADING`, `MASTERDOWN`), or it
 * is a plain read (no write, no script), which running twice cannot harm.
 */
export function mayRetry(error: unknown, command?: Command): boolean {
  if (refused(error)) return true;
  if (!(error instanceof ConnectionError)) return false;
  if (error.outcome === 'not-sent') return true;
  return command !== undefined && !command.write && command.script === undefined;
}

/**
 * Whether a transaction may be sent again: nothing was sent, or Redis discarded it because a
 * node refused its commands while they were queued (`CLUSTERDOWN`...): nothing ran.
 */
export function transactionMayRetry(error: unknown): boolean {
  if (error instanceof TransactionError) {
    return error.aborted && error.failures.every((failure) => refused(failure.error));
  }
  return error instanceof ConnectionError && error.outcome === 'not-sent';
}

/** How a call is followed through a failover: see {@link follow}. */
export interface Following {
  /** The call's time budget (ms) for attempts after the first (connectTimeout). */
  readonly budget: number;
  /** Asks for a refresh of what routes the call (a cluster's slot map) and resolves when done. */
  readonly refresh: () => Promise<void>;
  /** Whether the call may be made again after this (typed) failure. */
  readonly retriable: (error: unknown) => boolean;
  /** False once the Connection was closed: a call is not made again after that. */
  readonly live?: () => boolean;
}

/**
 * Runs `attempt` (or starts from its first `failure`); when it fails in a way a failover explains
 * ({@link staleRoute}, or a refusal such as `TRYAGAIN`), asks for a refresh of the route, and
 * when the failure is also `retriable` (the call surely did not run, or is a read), waits for
 * the refresh and a short pause (25, 50, then 100 ms) and tries again, as long as `budget` ms
 * have not passed since the first failure ({@link MAX_ATTEMPTS} at most). Else the failure is
 * thrown as it is: a call settles within its first attempt, the budget, and one more attempt.
 */
export async function follow<T>(
  attempt: () => Promise<T>,
  how: Following,
  failure?: { readonly error: unknown },
): Promise<T> {
  let deadline: number | undefined;
  let last = failure;
  for (let tries = 1; ; tries++) {
    if (last === undefined) {
      try {
        return await attempt();
      } catch (error) {
        last = { error };
      }
    }
    const error = last.error;
    last = undefined;
    if (!staleRoute(error) && !refused(error)) throw error;
    const refreshing = staleRoute(error) ? how.refresh() : Promise.resolve();
    deadline ??= Date.now() + how.budget;
    const pause = Math.min(25 * 2 ** (tries - 1), 100);
    const again = how.retriable(error) && (how.live?.() ?? true);
    if (!again || tries >= MAX_ATTEMPTS || Date.now() + pause >= deadline) {
      throw error;
    }
    await within(refreshing, deadline - Date.now());
    if (Date.now() >= deadline) throw error;
    await sleep(pause);
  }
}

/** Waits for `promise` (which never rejects), for at most `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  await Promise.race([promise, elapsed]).finally(() => clearTimeout(timer));
}

/**
 * Follows a call on a dedicated connection (blocking commands, WATCH): tried again only when its
 * connection could not be opened, so that `fn` had not started and nothing was sent; never once
 * `fn` runs. `attempt` gets the `fn` wrapper that notes the start; `retry` says whether another
 * attempt makes sense at all (no address imposed, not aborted).
 */
export function followDedicated<C, T>(
  attempt: (started: (fn: (client: C) => Promise<T>) => (client: C) => Promise<T>) => Promise<T>,
  how: Omit<Following, 'retriable'>,
  retry: () => boolean,
): Promise<T> {
  let started = false;
  const noting =
    (fn: (client: C) => Promise<T>) =>
    (client: C): Promise<T> => {
      started = true;
      return fn(client);
    };
  const retriable = (error: unknown): boolean =>
    !started && retry() && error instanceof ConnectionError && error.outcome === 'not-sent';
  return follow(() => attempt(noting), { ...how, retriable });
}
