/**
 * The renewal loop of `using()` (Lock, Semaphore): a watchdog that keeps something held (a lock,
 * a semaphore's lease) alive while the callback runs, and tells the callback (through an
 * AbortSignal) when it is lost. The model names what is held and makes the error.
 *
 * @internal
 * @module
 */

/** What {@link renew} needs: how to extend what is held, and since when it surely lives. */
export interface RenewalOptions {
  /** Its time to live, ms: each extend resets it to this. */
  ttl: number;
  /** `performance.now()` before the acquisition was sent: it lives at least until since + ttl. */
  since: number;
  /** One extend: true extended, false no longer held; rejects on failures. */
  extend: () => Promise<boolean>;
  /** What is held, as messages name it: `'the lock'`, `'the lease'`. */
  subject: string;
  /**
   * The message when an extend finds it no longer held; default: "<subject> expired or another
   * owner took it".
   */
  gone?: string;
  /** The reason the signal aborts with (a `LockLostError`...), made of a message and a cause. */
  lost: (message: string, cause?: unknown) => Error;
}

/** A running renewal loop. */
export interface Renewal {
  /** Aborts, with the error of `lost` as its reason, when what was held is lost. */
  readonly signal: AbortSignal;
  /** Stops the loop and waits for an extend in flight (it never rejects). */
  stop(): Promise<void>;
}

/**
 * Starts extending every ttl/3 ms (one extend at a time). The signal aborts when an extend
 * finds that this owner no longer holds it, when extends fail and the next try would come after
 * the expiry, or when nothing confirmed it for a whole ttl (an extend that hangs). Confirmations
 * are counted from when the extend was _sent_ (a lower bound of the server's expiry), on the
 * local monotonic clock.
 */
export function renew(options: RenewalOptions): Renewal {
  const { ttl, extend, subject, lost: error } = options;
  const gone = options.gone ?? `${subject} expired or another owner took it`;
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
    lost.abort(error(message, cause));
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
          if (!extended) return lose(gone);
          confirmed = sent;
          arm();
        },
        (failure: unknown) => {
          if (performance.now() - confirmed + every >= ttl) {
            const why = failure instanceof Error ? failure.message : String(failure);
            lose(`could not renew ${subject} before its ttl ran out: ${why}`, failure);
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
