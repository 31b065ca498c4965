import { RedisextError } from '../../core/errors.js';

/** Base class of the errors about a {@link Lock}: they name the model and the lock key. */
export class LockError extends RedisextError {}

/**
 * `using()` could not acquire the lock: held by another owner (for the whole `wait`), or by this
 * very instance (locks are not re-entrant).
 */
export class LockNotAcquiredError extends LockError {}

/**
 * The lock was lost while held by `using()`: it expired or another owner took it (the renewal
 * found another token), or renewals kept failing until its time to live ran out. It is the
 * `reason` of the signal `using()` hands to its callback.
 */
export class LockLostError extends LockError {}
