import { integer, positive } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { QueueHost, ScriptCall } from './host.js';
import { limitsArgs } from './settings.js';
import { modelEvent } from '../../core/tracing.js';

/**
 * Ending or extending a delivery: rq-ack-4.lua, rq-nack-10.lua, rq-extend-1.lua. Each checks
 * first that the delivery (its receipt) still holds the message.
 *
 * @internal
 * @module
 */

const ackScript = Script.of('rq-ack-4');
const nackScript = Script.of('rq-nack-10');
const extendScript = Script.of('rq-extend-1');

/** What identifies a delivery on Redis. */
export interface DeliveryRef {
  readonly id: string;
  readonly receipt: string;
  readonly partition: number;
}

/** How a nack ends a delivery: see rq-nack-10.lua. */
export type NackMode = 'retry' | 'dead' | 'release';

/** The ack of `delivery`: true when removed, false when it no longer held the message. */
export function ackCall<T>(host: QueueHost<T>, delivery: DeliveryRef): ScriptCall<boolean> {
  const keys = host.keys(delivery.partition);
  return {
    script: ackScript,
    keys: keys.ack,
    args: [delivery.id, delivery.receipt],
    route: keys.base,
    decode: (reply) => {
      const acked = positive(reply);
      if (acked) modelEvent({ event: 'queue-ack', model: host.modelName, key: host.key, count: 1 });
      return acked;
    },
    durable: true,
  };
}

/**
 * The nack of `delivery`: its result is 0 (no longer held), 1 (back to the queue) or 2 (moved
 * to the dead letters).
 */
export function nackCall<T>(
  host: QueueHost<T>,
  delivery: DeliveryRef,
  delay: number,
  error: string,
  mode: NackMode,
): ScriptCall<number> {
  const keys = host.keys(delivery.partition);
  return {
    script: nackScript,
    keys: keys.all,
    args: [...limitsArgs(host.settings), delivery.id, delivery.receipt, String(delay), error, mode],
    route: keys.base,
    decode: integer,
  };
}

/** The extension of `delivery` to `ms` from now: false when it no longer held the message. */
export function extendCall<T>(
  host: QueueHost<T>,
  delivery: DeliveryRef,
  ms: number,
): ScriptCall<boolean> {
  const keys = host.keys(delivery.partition);
  return {
    script: extendScript,
    keys: [keys.inflight],
    args: [delivery.id, delivery.receipt, String(ms)],
    route: keys.base,
    decode: positive,
  };
}
