import { waitOnList } from '../wake-list.js';
import type { SemaphoreHost } from './host.js';

/**
 * Waiting for a wake-up without polling: a queued waiter blocks (`BLPOP`, on a dedicated
 * connection) on a list of its own, where the script that makes its permits fit (a release, an
 * expiry swept, the grant of the waiter before it) pushes one token.
 *
 * A blocked command's own timeout only ends at the server's next tick (every 100 ms at the
 * default `hz 10`): fine for a recheck, too late for the caller's deadline. A wait that ends at
 * the deadline is therefore timed on the client (`exact`); it leaves its `BLPOP` to finish on its
 * connection, and a token that `BLPOP` takes then is put back on the list. The other waits end
 * with their `BLPOP`, so the waiter's next one reuses the same connection.
 *
 * @internal
 * @module
 */

/** How long a given-back wake-up token lives, ms (as the scripts' WAKE_TTL). */
const TOKEN_TTL = '5000';

/**
 * Blocks until a wake-up token comes on `list`, `ms` pass (`exact`: on the client's timer; else
 * when the server ends the `BLPOP`), or `signal` aborts (then rejects with its reason). A
 * connection failure rejects (typed) if it comes first.
 */
export function waitForWake(
  host: SemaphoreHost,
  list: string,
  ms: number,
  exact: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  return waitOnList({
    blocking: (fn) => host.blocking(fn, signal),
    list,
    ms,
    exact,
    tokenTtl: TOKEN_TTL,
    single: true,
    signal,
  });
}
