import type { RedisArg } from '../../core/command.js';
import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { QueueHost, ScriptCall } from './host.js';
import { partitionOfId } from './layout.js';
import { limitsArgs } from './settings.js';
import { modelEvent, modelEvents } from '../../core/tracing.js';

/**
 * Pushing messages: rq-push-10.lua adds those whose id the partition does not hold yet, ready
 * at once or delayed, and wakes a waiting consumer.
 *
 * @internal
 * @module
 */

const pushScript = Script.of('rq-push-10');

/**
 * The script call that pushes `messages` (id and encoded payload) into partition `p`, after
 * `delay` ms (0: ready at once). Its result: per message, true when added, false when a message
 * with that id exists.
 */
export function pushCall<T>(
  host: QueueHost<T>,
  p: number,
  messages: ReadonlyArray<readonly [string, RedisArg]>,
  delay: number,
): ScriptCall<boolean[]> {
  const keys = host.keys(p);
  const args: RedisArg[] = [...limitsArgs(host.settings), String(delay)];
  for (const [id, payload] of messages) args.push(id, payload);
  return {
    script: pushScript,
    keys: keys.all,
    args,
    route: keys.base,
    decode: (reply) => {
      const added = (reply as unknown[]).map((one) => integer(one) === 1);
      if (modelEvents.hasSubscribers) {
        const count = added.filter(Boolean).length;
        modelEvent({ event: 'queue-push', model: host.modelName, key: host.key, count });
      }
      return added;
    },
    durable: true,
  };
}

/** Messages (id first) grouped by the partition of their id, in push order within each. */
export function byPartition<M extends readonly [string, RedisArg]>(
  messages: readonly M[],
  partitions: number,
): Array<[number, M[]]> {
  const groups = new Map<number, M[]>();
  for (const message of messages) {
    const p = partitionOfId(message[0], partitions);
    const group = groups.get(p);
    if (group === undefined) groups.set(p, [message]);
    else group.push(message);
  }
  return [...groups];
}
