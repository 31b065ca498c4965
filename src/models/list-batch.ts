import type { RedisArg } from '../core/command.js';
import { ArgumentError, type ErrorContext } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import { kindOf } from './args.js';
import type { BlockingCommand } from './blocking-pop.js';
import { decodeStored, list, storedReply } from './values.js';

/**
 * Popping several items of a list in one command: `RPOP`/`LPOP key count` (Redis ≥ 6.2), and
 * the blocking `BLMPOP` (Redis ≥ 7.0) for `popMany(n, { timeout })` and `consume({ batch })`.
 *
 * @internal
 * @module
 */

/** The end pops take from: `R` (a Queue) or `L` (a Stack). */
type End = 'L' | 'R';

/** A batch size: a positive integer. @throws {@link ArgumentError} */
export function countArg(
  count: unknown,
  call: string,
  context: ErrorContext,
  name = 'count',
): number {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new ArgumentError(
      `${call}: ${name} must be a positive integer, got ${kindOf(count)}`,
      context,
    );
  }
  return count;
}

/** `RPOP key count` (or `LPOP`): its reply decoded, in pop order; `[]` for nil (empty). */
export function popManyCommand<T>(
  end: End,
  key: string,
  count: number,
  serializer: Serializer<T>,
): { args: RedisArg[]; decode: (reply: unknown) => T[] } {
  const items = list(serializer);
  return {
    args: [`${end}POP`, key, String(count)],
    decode: storedReply(serializer, (reply) => (reply == null ? [] : items(reply))),
  };
}

/**
 * The blocking pop of up to `count` items: `BLMPOP timeout 1 key RIGHT|LEFT COUNT count`, whose
 * reply is `[key, [items...]]` in pop order; items that came too late are pushed back where pops
 * take from, in an order that makes the next pops take them as they were.
 */
export function blockingMany<T>(
  end: End,
  key: string,
  count: number,
  serializer: Serializer<T>,
): BlockingCommand<T[]> {
  const side = end === 'R' ? 'RIGHT' : 'LEFT';
  const itemsOf = (reply: unknown): Array<string | Buffer> =>
    (reply as [unknown, Array<string | Buffer>])[1];
  return {
    command: (timeout) => ['BLMPOP', timeout, '1', key, side, 'COUNT', String(count)],
    value: (reply) => itemsOf(reply).map((raw) => decodeStored(serializer, raw)),
    // The last pushed is the first popped: push them back newest first.
    giveBack: (reply) => [`${end}PUSH`, key, ...[...itemsOf(reply)].reverse()],
    binary: serializer.binary,
  };
}
