import { RedisextError } from '../../core/errors.js';

/** Base class of the errors about a {@link Semaphore}: they name the model and the key. */
export class SemaphoreError extends RedisextError {}

/**
 * `using()` could not acquire its permits: they were not free (or others were queued first)
 * for the whole `wait`.
 */
export class SemaphoreNotAcquiredError extends SemaphoreError {}

/**
 * A lease held by `using()` was lost: it expired (renewals failed, or came too late) or was
 * removed (its key deleted). It is the `reason` of the signal `using()` hands to its callback.
 */
export class LeaseLostError extends SemaphoreError {}
