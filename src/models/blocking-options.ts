import { setMaxListeners } from 'node:events';
import type { CommandOrigin } from '../core/command.js';
import { ArgumentError, type CommandError, type ConnectionError } from '../core/errors.js';
import { kindOf, optionsArg, signalOption } from './args.js';

/**
 * The options of the blocking pops (`pop({ timeout, signal })`, `consume({...})`), and their
 * checks: the first step of `blocking-pop.ts`.
 *
 * @internal
 * @module
 */

/** Options of a blocking pop: `pop({ timeout, signal })`. */
export interface BlockingPopOptions {
  /**
   * How long to wait for an item, in **milliseconds** (a non-negative integer); the pop resolves
   * to `null` when none came in time. `0` waits without limit: until an item comes or `signal`
   * aborts.
   */
  timeout: number;
  /** Ends the wait: the pop rejects with `signal.reason` (an item already taken is returned). */
  signal?: AbortSignal;
}

/** Options of a consuming loop: `consume({ signal, timeout })`. */
export interface ConsumeOptions {
  /** Ends the iteration (it completes normally, without an error). */
  signal?: AbortSignal;
  /**
   * How long, in **milliseconds**, the loop keeps reconnecting after its connection failed (a
   * server restart, a failover, a server that stopped answering) before it ends with that
   * {@link ConnectionError}. Default 30000; `0` ends at the first failure.
   */
  reconnectFor?: number;
  /**
   * Told of each connection failure the loop goes on after (it reconnects), and of each
   * refusal of a server not ready yet (a {@link CommandError} `LOADING` after a restart,
   * `MASTERDOWN`, `CLUSTERDOWN`, `TRYAGAIN`, `BUSY`), which it waits out the same way. A
   * connection failure is a {@link ConnectionError} with `outcome: 'unknown'` when a pop was
   * waiting: had the server taken an item and crashed before replying, that item is lost (see
   * docs/reliability.md). What it throws ends the loop.
   */
  onError?: (error: ConnectionError | CommandError) => void;
  /**
   * Ends the iteration after this many **milliseconds** without an item. Default (or `0`): no
   * limit, the loop runs until `signal` aborts or the consumer leaves the `for await` loop.
   */
  timeout?: number;
}

/**
 * A blocking command's timeout argument: milliseconds checked and turned into Redis' decimal
 * seconds (`1500` → `"1.5"`, `0` → `"0"`, no limit).
 * @throws {@link ArgumentError} for anything but a non-negative safe integer.
 */
export function timeoutArg(origin: CommandOrigin, ms: unknown, name = 'timeout'): string {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new ArgumentError(
      `${name} must be a non-negative integer of milliseconds (0 = no limit), got ${kindOf(ms)}`,
      { model: origin.modelName, key: origin.key },
    );
  }
  return ms === 0 ? '0' : String(ms / 1000);
}

/** The option names of `pop()` and of `consume()`. */
const POP_OPTIONS = ['timeout', 'signal'] as const;
const CONSUME_OPTIONS = ['timeout', 'signal', 'reconnectFor', 'onError'] as const;

/**
 * The options object of a blocking call, checked (`optionsArg`: an object whose names are all
 * known; the `signal` an AbortSignal, `onError` a function). `call` is how errors name the
 * method (`'pop(options)'`); a `consume...` call takes the loop's options.
 * @throws {@link ArgumentError} naming the method, the model and the key.
 */
export function optionsOf<O extends object>(
  origin: CommandOrigin,
  options: unknown,
  call: string,
): O {
  const context = { model: origin.modelName, key: origin.key };
  const known = call.startsWith('consume') ? CONSUME_OPTIONS : POP_OPTIONS;
  const checked = optionsArg(
    options as object | undefined,
    { call, known, number: 'timeout' },
    context,
  );
  const { signal, onError } = checked as { signal?: unknown; onError?: unknown };
  signalOption(signal, call, context);
  if (onError !== undefined && typeof onError !== 'function') {
    throw new ArgumentError(`${call}: onError must be a function, got ${kindOf(onError)}`, context);
  }
  return checked as O;
}

/** The signal of our own that follows each caller's signal (see {@link relay}). */
const relays = new WeakMap<AbortSignal, AbortSignal>();

/**
 * A signal of our own that follows the caller's, shared by every wait on that signal, with
 * ONE listener on the caller's: each wait listens to ours, so any number of loops and pops on
 * one signal add nothing past Node's warning threshold (10 listeners) on the caller's signal.
 */
export function relay(signal: AbortSignal | undefined): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  let own = relays.get(signal);
  if (own === undefined) {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal); // ours: each wait removes its listener when done
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    own = controller.signal;
    relays.set(signal, own);
  }
  return own;
}
