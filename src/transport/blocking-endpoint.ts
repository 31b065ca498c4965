import type { ErrorContext } from '../core/errors.js';
import type { RedisClient } from './client-types.js';

/**
 * The types a blocking operation works with: the node-redis client and what the endpoint lends
 * it (`Endpoint` implements {@link BlockingEndpoint}).
 *
 * @module
 */

export type { RedisClient } from './client-types.js';

/**
 * What a blocking operation gets with its dedicated connection (`Handle.blocking`): how to bound
 * the wait for a blocking reply, and how to keep the connection from being reused.
 */
export interface BlockingEndpoint {
  /** `host:port` (or the socket path) of the server. */
  readonly address: string;
  /**
   * How long after a blocking command's own timeout its reply may still come before the call
   * gives up, in ms (`commandTimeout`; 0: no client-side bound).
   */
  readonly margin: number;
  /**
   * Waits for the reply of a blocking command sent on `client` at most `wait` (the command's own
   * timeout, ms; 0: none) + `margin` ms, or `margin` ms after `signal` aborts; then rejects with
   * a ConnectionError and keeps the connection until the reply comes, handing it to `late`.
   */
  bounded<T>(
    client: RedisClient,
    pending: Promise<T>,
    options: { wait: number; signal?: AbortSignal; late?: (reply: T) => unknown },
    context?: ErrorContext,
  ): Promise<T>;
  /** Marks `client` as not to be reused: it is closed when the operation ends. */
  discard(client: RedisClient): void;
}
