import { Call, type Command } from '../../core/command.js';
import { integer } from '../../core/decoders.js';
import { Script } from '../../core/script.js';
import type { LimiterSettings } from './settings.js';
import type { RateLimitResult } from './types.js';

/**
 * The one script of a RateLimiter (rl-take-1.lua) as a command: take, peek, reserve or refund,
 * and its reply decoded.
 *
 * @internal
 * @module
 */

const limitScript = Script.of('rl-take-1');

/** What the script is asked to do (its ARGV[1]). */
export type Mode = 'take' | 'peek' | 'reserve' | 'refund';

/** Where a limiter's commands come from: its key and model name. */
export interface LimiterOrigin {
  readonly key: string;
  readonly modelName: string;
}

/** 2^32: the common reply is `remaining * 2^32 + resetAfter` (see rl-take-1.lua). */
const HIGH = 2 ** 32;

/**
 * The `{allowed, remaining, retryAfter, resetAfter, limit}` array of the script, or its one
 * integer for the common case (allowed now, by limit 0); RESP2 and RESP3 alike.
 */
export function decodeResult(reply: unknown): RateLimitResult {
  if (typeof reply === 'number') {
    const resetAfter = reply % HIGH;
    return {
      allowed: true,
      remaining: (reply - resetAfter) / HIGH,
      retryAfter: 0,
      resetAfter,
      limit: 0,
    };
  }
  if (!Array.isArray(reply) || reply.length !== 5) {
    throw new Error(`unexpected rate limiter reply ${JSON.stringify(reply)}`);
  }
  const [allowed, remaining, retryAfter, resetAfter, limit] = reply.map(integer);
  return { allowed: allowed === 1, remaining, retryAfter, resetAfter, limit };
}

/**
 * The script call on the limiter's key for `cost` units. `take`, `reserve` and `refund` write
 * (master); `peek` is a read that must see the master's latest state (never a replica: it would
 * answer from an older state and another clock).
 *
 * @param maxWait - `reserve`: the longest delay accepted, ms; ignored otherwise.
 */
export function limitCommand<R>(
  origin: LimiterOrigin,
  settings: LimiterSettings,
  mode: Mode,
  cost: number,
  decode: (reply: unknown) => R,
  maxWait = 0,
): Command<R> {
  const args = [mode, String(cost), String(maxWait), ...settings.args];
  const evalsha = limitScript.evalsha([origin.key], args);
  const peek = mode === 'peek';
  const { modelName, key } = origin;
  return new Call(evalsha, !peek, decode, modelName, key, limitScript, peek ? true : undefined);
}
