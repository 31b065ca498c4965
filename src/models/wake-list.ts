import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockingEndpoint, RedisClient } from '../transport/blocking-endpoint.js';

/**
 * Waiting on a wake-up list without polling, shared by the ReliableQueue's pops and the
 * Semaphore's waiters: `BLPOP` on a list that the scripts which make work available push one
 * token to, on a dedicated connection, bounded on the client.
 *
 * A blocked command's own timeout only ends at the server's next tick (every 100 ms at the
 * default `hz 10`). A wait that must end on time is therefore timed on the client (`exact`):
 * it leaves its `BLPOP` to finish on its connection, and a token that `BLPOP` takes after the
 * wait ended is put back on the list, so no wake-up is lost. Waits shorter than {@link SHORT}
 * ms are plain sleeps (a `BLPOP` could not end sooner).
 *
 * @internal
 * @module
 */

/** Waits shorter than this (ms) are client-side sleeps. */
export const SHORT = 25;

/** One wait on a wake-up list. */
export interface WakeWait {
  /** Runs `fn` on a dedicated connection to the list's server (the model's `blocking` helper). */
  blocking(fn: (client: RedisClient, endpoint: BlockingEndpoint) => Promise<void>): Promise<void>;
  /** The list's key. */
  list: string;
  /** How long to wait at most, ms. */
  ms: number;
  /** End on the client's timer at `ms` (true), or when the server ends the `BLPOP` (false). */
  exact: boolean;
  /** How long a token put back lives, ms (a Redis argument). */
  tokenTtl: string;
  /** Keep at most one token on the list when putting one back (a list per waiter). */
  single: boolean;
  /** Ends the wait: it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Blocks until a wake-up token comes on the list, the time is over, or the signal aborts (then
 * rejects with its reason). A connection failure rejects (typed) if it comes first.
 */
export function waitOnList(wait: WakeWait): Promise<void> {
  const { list, ms, signal } = wait;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  if (ms < SHORT) {
    return sleep(ms, undefined, { signal }).catch((error: unknown) => {
      throw signal?.aborted ? signal.reason : error;
    });
  }
  let over = false;
  const blocked = wait.blocking(async (client, endpoint) => {
    const pending = client.sendCommand(['BLPOP', list, String(ms / 1000)]);
    const late = (reply: unknown): unknown => reply != null && giveBack(client, wait);
    const reply = await endpoint.bounded(client, pending, { wait: ms, late });
    if (over && reply != null) await giveBack(client, wait);
  });
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: unknown): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void => finish(signal!.reason);
    const timer = wait.exact ? setTimeout(() => finish(), ms) : undefined;
    signal?.addEventListener('abort', onAbort, { once: true });
    blocked.then(
      () => finish(),
      (error: unknown) => finish(error),
    );
  });
}

/** Puts back a wake-up token taken by a wait that had ended, for the next waiter. */
async function giveBack(client: RedisClient, wait: WakeWait): Promise<void> {
  const { list, tokenTtl, single } = wait;
  await Promise.all([
    client.sendCommand(['LPUSH', list, '1']),
    ...(single ? [client.sendCommand(['LTRIM', list, '0', '0'])] : []),
    client.sendCommand(['PEXPIRE', list, tokenTtl]),
  ]).catch(() => undefined);
}
