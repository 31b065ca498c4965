import { RedisextError } from '../../core/errors.js';

/**
 * A delivery no longer holds its message: an extension or the ack found that its visibility
 * had ended and the message had gone back to the queue (it may be processed twice). `process()`
 * aborts the handler's signal with it, and reports it to `onError`.
 */
export class DeliveryLostError extends RedisextError {}
