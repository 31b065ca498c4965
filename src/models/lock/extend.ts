import { positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import { newToken } from '../../core/token.js';
import type { Operation } from '../model.js';
import type { LockHandle } from './handle.js';

/**
 * Extending a lock: compare-and-`PEXPIRE` of an owner token (lock-extend-1.lua). Used by
 * `extend()` and by the renewal loop of `using()`.
 *
 * @internal
 * @module
 */

const extendScript = Script.of('lock-extend-1');

/**
 * Resets the lock's time to live to `ttl` ms from now if it holds `token` (one script; O(1));
 * `onExtended` runs when it did. One command: queues into a batch.
 *
 * @returns (the operation of) true when extended; false when `token` did not hold the lock.
 */
export function extendToken(
  lock: LockHandle,
  token: string | undefined,
  ttl: number,
  onExtended?: () => void,
): Operation<boolean> {
  return lock.script(extendScript, [lock.key], [token ?? newToken(), String(ttl)], {
    write: true,
    decode: (reply) => {
      const extended = positive(reply);
      if (extended) onExtended?.();
      return extended;
    },
  });
}
