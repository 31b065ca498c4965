import { debuglog } from 'node:util';
import { connectionEvent, type ConnectionEvent } from '../core/tracing.js';

/**
 * Debug logs, on stderr when `NODE_DEBUG=redisext` (Node's `util.debuglog`): connects and
 * failed connects, driver errors (reconnects), watchdog drops, failovers followed, replicas
 * skipped, scripts loaded again, blocking replies given up on. Free when off (one boolean test).
 * Lines name servers by `host:port` and errors by name and code, never by message: nothing a
 * line holds can be part of a password.
 *
 * @internal
 * @module
 */

const log = debuglog('redisext');

/** Whether `NODE_DEBUG` enables redisext's logs. */
export const debugEnabled: boolean = log.enabled;

/** Logs one line (a printf-like format, as `util.format`) when enabled. */
export function debug(format: string, ...args: unknown[]): void {
  if (debugEnabled) log(format, ...args);
}

/**
 * Reports what happened to a connection both ways: the debug line (when `NODE_DEBUG` enables it)
 * and the `redisext:connection` event (when someone subscribes).
 */
export function report(event: ConnectionEvent, format: string, ...args: unknown[]): void {
  if (debugEnabled) log(format, ...args);
  connectionEvent(event);
}

/**
 * An error as a debug line shows it: its class name and code (a system code like
 * `ECONNREFUSED`, or a Redis reply's first word like `WRONGPASS`), never the rest of its message.
 */
export function errorLabel(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') return `${error.name} ${String(code)}`;
  const reply = /^[A-Z][A-Z_]{2,}(?= |$)/.exec(error.message)?.[0];
  return reply === undefined ? error.name : `${error.name} ${reply}`;
}
