import { positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { Operation } from '../tools.js';
import { stateArgs, type SemaphoreHost } from './host.js';

/**
 * Releasing a lease: compare-and-remove of its holder member (sem-release-5.lua), which gives
 * its weight back and wakes the queue's head when it fits now.
 *
 * @internal
 * @module
 */

const releaseScript = Script.of('sem-release-5', { name: 'sem-release-group-5', shared: 2 });

/**
 * Removes the holder `member` (`weight:token`) if it still holds (one script; O(weight × log n)
 * plus the sweep). One command: queues into a batch.
 *
 * @returns (the operation of) true when released; false when it no longer held.
 */
export function releaseMember(host: SemaphoreHost, member: string): Operation<boolean> {
  return host.script(releaseScript, host.keys.all, [...stateArgs(host), member], {
    write: true,
    decode: positive,
  });
}
