import { positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import { newToken } from '../../core/token.js';
import type { Operation } from '../model.js';
import { sideKeys, WAKE_TTL_MS, type LockHandle } from './handle.js';
import { modelEvent } from '../../core/tracing.js';

/**
 * Releasing a lock: compare-and-delete of an owner token (lock-release-3.lua), which also wakes
 * one waiter when someone waits.
 *
 * @internal
 * @module
 */

const releaseScript = Script.of('lock-release-3');

/**
 * Deletes the lock if it holds `token` (one script; O(1)); when the "someone waits" flag is set,
 * leaves one wake-up token on the wake-up list. Clears the handle's ownership if it was `token`.
 * One command: queues into a batch.
 *
 * @returns (the operation of) true when released; false when `token` did not hold the lock.
 */
export function releaseToken(lock: LockHandle, token: string | undefined): Operation<boolean> {
  const { wake, waiting } = sideKeys(lock.key);
  return lock.script(
    releaseScript,
    [lock.key, wake, waiting],
    // Without a token, one nobody holds: an empty one would match a Python-held lock.
    [token ?? newToken(), WAKE_TTL_MS],
    {
      write: true,
      decode: (reply) => {
        if (token !== undefined && lock.ownership.token === token) {
          const held = lock.ownership;
          held.token = undefined;
          held.fence = null;
          held.ttl = undefined;
        }
        const released = positive(reply);
        if (released) modelEvent({ event: 'lock-release', model: lock.modelName, key: lock.key });
        return released;
      },
    },
  );
}
