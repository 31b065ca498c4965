import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from '../../core/command.js';
import type { LimiterSettings } from './settings.js';
import { decodeResult, limitCommand, type LimiterOrigin } from './take.js';

/**
 * Waiting for capacity without polling: one `reserve` call takes the units now for a moment at
 * most `timeout` ms away (GCRA knows exactly when they come), then a timer sleeps until then.
 * Nothing but time frees capacity, so a reservation that cannot be made within the timeout now
 * never could: the wait then ends at once. An abort gives the reserved units back (`refund`).
 *
 * @internal
 * @module
 */

/** What a wait uses of its RateLimiter: its key, and a way to run a command at once. */
export interface WaitHost extends LimiterOrigin {
  /** Runs one command directly (never in a batch). */
  run<R>(command: Command<R>): Promise<R>;
}

/** The options of one wait, checked. */
export interface CheckedWait {
  readonly cost: number;
  /** The longest wait accepted, ms (0: only if allowed now). */
  readonly timeout: number;
  readonly signal?: AbortSignal;
}

/**
 * Reserves `cost` units on every limit for at most `timeout` ms from now, and sleeps until the
 * reservation is due.
 *
 * @returns true once admitted (the units are taken: do not `take` them again); false at once
 * when they cannot come within `timeout` (nothing taken).
 * @throws `signal.reason` when the signal aborts (a reservation made is refunded first);
 * the typed error of a failed call (the caller applies the `onError` policy).
 */
export async function waitFor(
  host: WaitHost,
  settings: LimiterSettings,
  { cost, timeout, signal }: CheckedWait,
): Promise<boolean> {
  signal?.throwIfAborted();
  const reserve = limitCommand(host, settings, 'reserve', cost, decodeResult, timeout);
  const reserved = await host.run(reserve);
  if (!reserved.allowed) {
    signal?.throwIfAborted();
    return false;
  }
  try {
    signal?.throwIfAborted();
    if (reserved.retryAfter > 0) await sleep(reserved.retryAfter, undefined, { signal });
  } catch (error) {
    if (signal?.aborted !== true) throw error;
    await refund(host, settings, cost);
    throw signal.reason;
  }
  return true;
}

/**
 * Gives `cost` units back to every limit (a reservation left unused). Approximate but safe: it
 * returns what was reserved, never more, and never moves a limit before now; when the server
 * cannot be reached the units are simply lost until the limit refills. Never rejects.
 */
async function refund(host: WaitHost, settings: LimiterSettings, cost: number): Promise<void> {
  const command = limitCommand(host, settings, 'refund', cost, () => undefined);
  await host.run(command).catch(() => undefined);
}
