import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import { Delivery, type Settler } from './delivery.js';
import type { QueueHost, ScriptCall } from './host.js';
import { limitsArgs } from './settings.js';
import { nackCall } from './settle.js';
import { modelEvent, modelEvents } from '../../core/tracing.js';

/**
 * Taking messages: rq-pop-10.lua (the sweep, then up to `count` ready messages, each with a
 * receipt and a visibility deadline on the server clock), across the partitions.
 *
 * @internal
 * @module
 */

const popScript = Script.of('rq-pop-10');

/** A message as the pop script hands it over, before its payload is decoded. */
interface Taken {
  readonly id: string;
  readonly payload: string | Buffer;
  readonly attempt: number;
  readonly receipt: string;
}

/** What one pop script replied. */
interface PopReply {
  /** 0 when something was taken; else ms until something is due (-1: nothing is). */
  readonly wait: number;
  /** Per delivery acked first: whether it still held its message (and it is now removed). */
  readonly acked: boolean[];
  readonly taken: Taken[];
}

/** A delivery to ack in the same script as a pop. */
export interface AckRef {
  readonly id: string;
  readonly receipt: string;
}

/** What a pop across the partitions got. */
export interface Popped<T> {
  readonly deliveries: Delivery<T>[];
  /** When nothing was taken: ms until the first thing due in any partition (-1: none). */
  readonly wait: number;
}

/** The reply of a pop script that acked `acks` deliveries first. */
function decodePop(acks: number): (reply: unknown) => PopReply {
  return (reply) => decodeReply(reply as unknown[], acks);
}

function decodeReply(flat: unknown[], acks: number): PopReply {
  const acked: boolean[] = [];
  for (let i = 1; i <= acks; i++) acked.push(integer(flat[i]) === 1);
  const taken: Taken[] = [];
  for (let i = 1 + acks; i + 3 < flat.length; i += 4) {
    taken.push({
      id: String(flat[i]),
      payload: flat[i + 1] as string | Buffer,
      attempt: integer(flat[i + 2]),
      receipt: String(flat[i + 3]),
    });
  }
  return { wait: integer(flat[0]), acked, taken };
}

/**
 * The pop script call on partition `p`, acking `acks` (deliveries of that partition) first.
 * `flag`: ms the "a consumer waits" flag lives (0: none).
 */
function popCall<T>(
  host: QueueHost<T>,
  p: number,
  visibility: number,
  count: number,
  flag: number,
  acks: readonly AckRef[] = [],
): ScriptCall<PopReply> {
  const keys = host.keys(p);
  const args = [...limitsArgs(host.settings), String(visibility), String(count), String(flag)];
  args.push(String(acks.length));
  for (const { id, receipt } of acks) args.push(id, receipt);
  return {
    script: popScript,
    keys: keys.all,
    args,
    route: keys.base,
    stored: true,
    decode: (reply) => {
      const popped = decodePop(acks.length)(reply);
      if (modelEvents.hasSubscribers) popEvents(host, popped);
      return popped;
    },
  };
}

/** The events of one pop script: the acks it made, the messages it took. */
function popEvents<T>(host: QueueHost<T>, popped: PopReply): void {
  const { modelName: model, key } = host;
  const acked = popped.acked.filter(Boolean).length;
  if (acked > 0) modelEvent({ event: 'queue-ack', model, key, count: acked });
  if (popped.taken.length > 0) {
    modelEvent({ event: 'queue-pop', model, key, count: popped.taken.length });
  }
}

/** What a worker's cycle got: the acks' outcomes, and the messages taken. */
export interface Cycle<T> extends Popped<T> {
  readonly acked: boolean[];
}

/**
 * One step of a worker on partition `p`: acks `acks` (finished deliveries of that partition)
 * and takes up to `count` messages, in one script.
 */
export async function cycle<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  p: number,
  options: { visibility: number; count: number; flag: number; acks: readonly AckRef[] },
): Promise<Cycle<T>> {
  const { visibility, count, flag, acks } = options;
  const reply = await host.now(host.script(popCall(host, p, visibility, count, flag, acks)));
  if (reply.taken.length === 0) return { deliveries: [], wait: reply.wait, acked: reply.acked };
  const deliveries = await decodeAll(host, settler, p, visibility, reply.taken);
  return { deliveries, wait: deliveries.length > 0 ? 0 : 1, acked: reply.acked };
}

/**
 * Takes up to `count` messages, trying the partitions in turn from the next one in rotation
 * until one has some. With `flag` > 0, each partition found empty keeps the "a consumer waits"
 * flag that long (the caller is about to block). A message whose payload the serializer cannot
 * decode goes straight to the dead letters with the reason, and is not returned.
 */
export async function popAcross<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  visibility: number,
  count: number,
  flag: number,
): Promise<Popped<T>> {
  const partitions = host.settings.partitions;
  const start = partitions === 1 ? 0 : host.nextPartition();
  let wait = -1;
  for (let k = 0; k < partitions; k++) {
    const p = (start + k) % partitions;
    let reply = await host.now(host.script(popCall(host, p, visibility, count, flag)));
    while (reply.taken.length > 0) {
      const deliveries = await decodeAll(host, settler, p, visibility, reply.taken);
      if (deliveries.length > 0) return { deliveries, wait: 0 };
      // Only undecodable payloads (now dead letters): look again.
      reply = await host.now(host.script(popCall(host, p, visibility, count, flag)));
    }
    if (reply.wait >= 0 && (wait < 0 || reply.wait < wait)) wait = reply.wait;
  }
  return { deliveries: [], wait };
}

/** The deliveries of what a pop took; undecodable payloads are sent to the dead letters. */
async function decodeAll<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  partition: number,
  visibility: number,
  taken: Taken[],
): Promise<Delivery<T>[]> {
  const deliveries: Delivery<T>[] = [];
  for (const { id, payload, attempt, receipt } of taken) {
    let value: T;
    try {
      value = host.decode(payload);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const buried = { id, receipt, partition };
      const call = nackCall(host, buried, 0, `cannot decode the payload: ${reason}`, 'dead');
      await host.now(host.script(call)).catch(() => undefined); // else it expires: same end
      continue;
    }
    deliveries.push(new Delivery(settler, { id, value, attempt, receipt, partition, visibility }));
  }
  return deliveries;
}
