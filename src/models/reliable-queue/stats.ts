import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { QueueHost, ScriptCall } from './host.js';
import { limitsArgs } from './settings.js';

/**
 * Counting a queue's messages by state: rq-stats-10.lua (the sweep first, so the counts are
 * current), per partition.
 *
 * @internal
 * @module
 */

const statsScript = Script.of('rq-stats-10');

/** What {@link ReliableQueue.stats} counts. */
export interface QueueStats {
  /** Ready for delivery. */
  waiting: number;
  /** Pushed with a delay, or nacked with one, and not due yet. */
  delayed: number;
  /** Delivered, and neither acked, nacked nor expired yet. */
  inflight: number;
  /** In the dead letters. */
  dead: number;
}

/** The stats script call of partition `p`. */
export function statsCall<T>(host: QueueHost<T>, p: number): ScriptCall<QueueStats> {
  const keys = host.keys(p);
  return {
    script: statsScript,
    keys: keys.all,
    args: limitsArgs(host.settings),
    route: keys.base,
    decode: (reply) => {
      const [waiting, delayed, inflight, dead] = (reply as unknown[]).map(integer);
      return { waiting, delayed, inflight, dead };
    },
  };
}

/** The stats of several partitions, added up. */
export function sumStats(all: QueueStats[]): QueueStats {
  return all.reduce((sum, s) => ({
    waiting: sum.waiting + s.waiting,
    delayed: sum.delayed + s.delayed,
    inflight: sum.inflight + s.inflight,
    dead: sum.dead + s.dead,
  }));
}
