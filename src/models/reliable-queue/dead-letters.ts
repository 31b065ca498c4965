import { integer } from '../../core/decoders.js';
import { ArgumentError } from '../../core/errors.js';
import { kindOf } from '../args.js';
import { idArg } from './call-options.js';
import { partitionOfId } from './layout.js';
import { Script } from '../../core/script.js';
import type { QueueHost, ScriptCall } from './host.js';
import { limitsArgs } from './settings.js';

/**
 * The dead letters of a ReliableQueue: messages whose last attempt allowed failed (or that a
 * nack sent there), kept with their last error until retried or purged, the oldest dropped
 * beyond the class `DEAD_LETTER_LIMIT`.
 *
 * @module
 */

const itemsScript = Script.of('rq-dead-items-10');
const retryScript = Script.of('rq-dead-retry-10');
const purgeScript = Script.of('rq-dead-purge-10');

/** One dead letter. */
export interface DeadLetter<T> {
  readonly id: string;
  /** The message; `undefined` only when its payload could not be decoded (see `raw`). */
  readonly value: T | undefined;
  /** The payload as stored. */
  readonly raw: string | Buffer;
  /** The last error recorded (a nack's, or why it could not be delivered); null for none. */
  readonly error: string | null;
  /** How many deliveries it had. */
  readonly attempts: number;
  /** When it moved to the dead letters (server clock). */
  readonly died: Date;
}

/** A raw dead letter of rq-dead-items-10. */
function decodeItems<T>(host: QueueHost<T>): (reply: unknown) => DeadLetter<T>[] {
  return (reply) => {
    const flat = reply as unknown[];
    const items: DeadLetter<T>[] = [];
    for (let i = 0; i + 4 < flat.length; i += 5) {
      const raw = flat[i + 1] as string | Buffer;
      let value: T | undefined;
      try {
        value = host.decode(raw);
      } catch {
        value = undefined;
      }
      const error = flat[i + 3];
      items.push({
        id: String(flat[i]),
        value,
        raw,
        error: error === null || error === false || error === undefined ? null : String(error),
        attempts: integer(flat[i + 2]),
        died: new Date(integer(flat[i + 4])),
      });
    }
    return items;
  };
}

/**
 * The dead letters of one queue (`queue.deadLetters`). Each call is one script per partition;
 * with one partition, it can be queued into a pipeline or transaction.
 *
 * @typeParam T - the message type.
 */
export class DeadLetters<T> {
  readonly #host: QueueHost<T>;

  /** @internal made by the queue. */
  constructor(host: QueueHost<T>) {
    this.#host = host;
  }

  /**
   * The dead letters, oldest first (up to `limit`; default all). Runs the sweep first, so a
   * delivery whose last attempt's visibility has ended is among them. O(n).
   */
  items(limit?: number): Promise<DeadLetter<T>[]> {
    const host = this.#host;
    const max = limit === undefined ? 0 : positiveCount(host, limit, 'limit');
    return this.#each(
      'items()',
      (p) => ({
        script: itemsScript,
        keys: host.keys(p).all,
        args: [...limitsArgs(host.settings), String(max)],
        route: host.keys(p).base,
        stored: true,
        decode: decodeItems(host),
      }),
      (lists) => lists.flat().slice(0, max > 0 ? max : undefined),
    );
  }

  /**
   * Moves dead letters back to the queue with fresh attempts (their count and error cleared):
   * the one with `id`, or all of them. @returns how many moved.
   */
  retry(id?: string): Promise<number> {
    return this.#byId('retry(id)', retryScript, id);
  }

  /** Removes dead letters for good: the one with `id`, or all of them. @returns how many. */
  purge(id?: string): Promise<number> {
    return this.#byId('purge(id)', purgeScript, id);
  }

  /** A retry or purge script, on every partition (or only the id's). */
  #byId(call: string, script: Script, id: string | undefined): Promise<number> {
    const host = this.#host;
    if (id !== undefined) idArg(id, host.context);
    const partitions = host.settings.partitions;
    // An id lives in one partition: only that one is asked.
    const only = id === undefined ? undefined : partitionOfId(id, partitions);
    return this.#each(
      call,
      (p) => ({
        script,
        keys: host.keys(p).all,
        args: [...limitsArgs(host.settings), ...(id === undefined || p !== only ? [] : [id])],
        route: host.keys(p).base,
        decode: integer,
      }),
      (counts) => counts.reduce((a, b) => a + b, 0),
      only,
    );
  }

  /**
   * One script per partition (or only partition `only`), the results combined: one command
   * (which a batch can hold) when only one partition is asked.
   */
  #each<R, F>(
    call: string,
    make: (p: number) => ScriptCall<R>,
    combine: (results: R[]) => F,
    only?: number,
  ): Promise<F> {
    const host = this.#host;
    const partitions = host.settings.partitions;
    if (partitions === 1 || only !== undefined) {
      const one = make(only ?? 0);
      return host.script({ ...one, decode: (reply) => combine([one.decode(reply)]) });
    }
    host.direct(`deadLetters.${call} with several partitions`);
    return Promise.all(
      Array.from({ length: partitions }, (_, p) => host.now(host.script(make(p)))),
    ).then(combine);
  }
}

/** A count argument: a positive safe integer. */
function positiveCount<T>(host: QueueHost<T>, n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
    throw new ArgumentError(`${name} must be a positive integer, got ${kindOf(n)}`, host.context);
  }
  return n;
}
