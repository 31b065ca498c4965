import { positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { Operation } from '../tools.js';
import { stateArgs, type SemaphoreHost } from './host.js';

/**
 * Extending a lease: its deadline moved to now + ttl on the server's clock, if it still holds
 * (sem-extend-5.lua). Used by `Lease.extend()` and by the renewal loop of `using()`.
 *
 * @internal
 * @module
 */

const extendScript = Script.of('sem-extend-5');

/**
 * Resets the deadline of the holder `member` (`weight:token`) to `ttl` ms from now if it still
 * holds (one script; O(weight × log n) plus the sweep). One command: queues into a batch.
 *
 * @returns (the operation of) true when extended; false when it no longer held (lost).
 */
export function extendMember(host: SemaphoreHost, member: string, ttl: number): Operation<boolean> {
  return host.script(extendScript, host.keys.all, [...stateArgs(host), member, String(ttl)], {
    write: true,
    decode: positive,
  });
}
