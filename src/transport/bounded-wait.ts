/**
 * A client-side bound on a blocking command (BRPOP, BZPOPMIN, BLMOVE...), which the watchdog
 * cannot watch: such a command is silent on purpose for as long as the server waits.
 *
 * The server waits at most `wait` ms (its own timeout argument); a reply that has not come
 * `margin` ms later means the server or the path to it is gone (frozen, black-holed). The call
 * then rejects, but the connection is **not** closed: closing it could drop an item the server
 * took and already wrote out. The connection is handed to `adopt` instead, with the pending
 * reply; `late` runs if that reply still comes (to give a taken item back), and the connection
 * is closed once the reply, or its failure, is in.
 *
 * @internal
 * @module
 */

import { ConnectionError, type ErrorContext } from '../core/errors.js';
import { debug } from './debug.js';

/** The error of a blocking call given up on after `waited` ms (logged with NODE_DEBUG). */
export function gaveUp(address: string, waited: number, context?: ErrorContext): ConnectionError {
  debug('%s: no blocking reply after %d ms; its connection waits for it', address, waited);
  return new ConnectionError(
    address,
    `no reply to a blocking command after ${waited} ms; what the server may still send ` +
      'is taken care of on that connection',
    context,
  );
}

/** How one blocking reply is waited for. */
export interface BoundedWaitOptions<T> {
  /** How long the server itself may wait, in ms (the command's timeout); 0: without limit. */
  wait: number;
  /** How much longer the client waits before it gives up, in ms; 0: no client-side bound. */
  margin: number;
  /** An abort bounds the wait to `margin` ms from the abort (the server is asked to stop). */
  signal?: AbortSignal;
  /** Runs with a reply that came after the call gave up (e.g. pushes a taken item back). */
  late?: (reply: T) => unknown;
  /** The error the call rejects with when it gives up, given how long it waited (ms). */
  expired(waited: number): Error;
  /** Takes over the connection: `settled` resolves once the late reply and `late` are done. */
  adopt(settled: Promise<void>): void;
}

/**
 * Waits for `pending` at most `wait + margin` ms (or `margin` ms after `signal` aborts).
 * @returns the reply; @throws its failure, or `expired(...)` when the bound passed first.
 */
export function boundedWait<T>(pending: Promise<T>, options: BoundedWaitOptions<T>): Promise<T> {
  const { wait, margin, signal } = options;
  if (margin <= 0) return pending;
  const started = performance.now();
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const done = (): void => {
      over = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', hurry);
    };
    const expire = (): void => {
      if (over) return;
      done();
      const settled = pending.then(
        (reply) => options.late?.(reply),
        () => undefined,
      );
      options.adopt(
        Promise.resolve(settled).then(
          () => undefined,
          () => undefined,
        ),
      );
      reject(options.expired(Math.round(performance.now() - started)));
    };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(expire, ms);
    };
    function hurry(): void {
      const left = wait > 0 ? started + wait + margin - performance.now() : Infinity;
      if (margin < left) arm(margin);
    }
    if (wait > 0) arm(wait + margin);
    if (signal?.aborted) hurry();
    else signal?.addEventListener('abort', hurry, { once: true });
    pending.then(
      (reply) => {
        if (over) return;
        done();
        resolve(reply);
      },
      (error: unknown) => {
        if (over) return;
        done();
        reject(error);
      },
    );
  });
}
