import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { Operation } from '../tools.js';
import { stateArgs, type SemaphoreHost } from './host.js';

/**
 * Counting a semaphore's permits, holders and waiters (sem-stats-5.lua, which sweeps first: the
 * permits of expired leases are free again).
 *
 * @internal
 * @module
 */

const statsScript = Script.of('sem-stats-5');

/** What {@link Semaphore.stats} returns: the state of a semaphore at one instant. */
export interface SemaphoreStats {
  /** The class's `PERMITS`: the most weight held at once. */
  readonly permits: number;
  /** The weight held now (by leases not expired). */
  readonly used: number;
  /** `permits - used` (0 when more is held, e.g. after `PERMITS` was lowered). */
  readonly available: number;
  /** How many leases hold permits. */
  readonly holders: number;
  /** How many callers wait in the queue. */
  readonly waiting: number;
}

/** The stats, turned into the operation's result by `map`. One command: queues into a batch. */
export function statsOf<R>(host: SemaphoreHost, map: (stats: SemaphoreStats) => R): Operation<R> {
  return host.script(statsScript, host.keys.all, stateArgs(host), {
    write: true,
    decode: (reply) => {
      if (!Array.isArray(reply) || reply.length !== 3) {
        throw new Error(`unexpected stats reply ${JSON.stringify(reply)}`);
      }
      const [used, holders, waiting] = reply.map(integer);
      const permits = host.permits;
      return map({ permits, used, available: Math.max(0, permits - used), holders, waiting });
    },
  });
}
