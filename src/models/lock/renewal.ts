import type { ErrorContext } from '../../core/errors.js';
import { LockLostError } from './errors.js';

/**
 * The renewal loop of `using()`: a watchdog that keeps a held lock alive while the callback
 * runs, and tells the callback (through an AbortSignal) when the lock is lost.
 *
 * @internal
 * @module
 */

/** What {@link renew} needs: how to extend the lock, and since when it surely lives. */
export interface RenewalOptions {
  /** The lock's time to live, ms: each extend resets it to this. */
  ttl: number;
  /** `performance.now()` before the acquisition was sent: the lock lives at least until since + ttl. */
  since: number;
  /** One extend of the held lock: true extended, false no longer the owner; rejects on failures. */
  extend: () => Promise<boolean>;
  /** The model and key, for the {@link LockLostError}. */
  context: ErrorContext;
}

/** A running renewal loop. */
export interface Renewal {
  /** Aborts, with a {@link LockLostError} as its reason, when the lock is lost. */
  readonly signal: AbortSignal;
  /** Stops the loop and waits for an extend in flight (it never rejects). */
  stop(): Promise<void>;
}

/**
 * Starts extending the lock every ttl/3 ms (one extend at a time). The signal aborts when an
 * extend finds that this owner no longer holds the lock, when extends fail and the next try
 * would come after the expiry, or when nothing confirmed the lock for a whole ttl (an extend
 * that hangs). Confirmations are counted from when the extend was _sent_ (a lower bound of the
 * server's expiry), on the local monotonic clock.
 */
export function renew(options: RenewalOptions): Renewal {
  const { ttl, extend, context } = options;
  const lost = new AbortController();
  const every = Math.max(1, Math.floor(ttl / 3));
  let confirmed = options.since;
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
    pending = extend()
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
  return {
    signal: lost.signal,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(expiry);
      await pending;
    },
  };
}
