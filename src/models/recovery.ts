import { setTimeout as sleep } from 'node:timers/promises';
import { isPassing, type CommandError, type ConnectionError } from '../core/errors.js';

/**
 * How a consuming loop goes on after failures (Queue/Stack/PriorityQueue `consume()`,
 * ReliableQueue `consume()` and `process()`): one policy, written once.
 *
 * @internal
 * @module
 */

/** Pauses between attempts grow from this to {@link PAUSE_MAX} ms. */
const PAUSE_MIN = 50;
const PAUSE_MAX = 1000;

/**
 * One run of failures in a row: a {@link ConnectionError}, or a refusal of a server not ready
 * yet (`LOADING` after a restart...: `isPassing`), is reported to `onError` and waited out with
 * growing pauses, for up to `reconnectFor` ms since the first failure of the run. Any other
 * error, and the failure that would go past `reconnectFor`, is thrown.
 */
export class Recovery {
  #since: number | undefined;
  #pause = PAUSE_MIN;

  constructor(
    readonly reconnectFor: number,
    readonly onError?: (error: ConnectionError | CommandError) => void,
  ) {}

  /** A success: the next failure starts a new run. */
  ok(): void {
    this.#since = undefined;
    this.#pause = PAUSE_MIN;
  }

  /**
   * After `error`: throws it, or reports it and pauses (an abort of `signal` ends the pause
   * early; the caller then stops).
   */
  async failed(error: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (!isPassing(error)) throw error;
    this.#since ??= performance.now();
    if (performance.now() - this.#since + this.#pause > this.reconnectFor) throw error;
    this.onError?.(error);
    await sleep(this.#pause, undefined, { signal }).catch(() => undefined);
    this.#pause = Math.min(this.#pause * 2, PAUSE_MAX);
  }
}
