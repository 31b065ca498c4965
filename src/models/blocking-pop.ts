import type { RedisArg } from '../core/command.js';
import { ArgumentError } from '../core/errors.js';
import { Recovery } from './recovery.js';
import type { BlockingEndpoint } from '../transport/endpoint.js';
import type { DirectOnly } from '../batch/types.js';
import type { Tools } from './handle.js';
import { kindOf } from './args.js';
import { lease, nil, send, type BlockingSend, type Lease } from './blocking-send.js';
import {
  optionsOf,
  relay,
  timeoutArg,
  type BlockingPopOptions,
  type ConsumeOptions,
} from './blocking-options.js';

export { timeoutArg, type BlockingPopOptions, type ConsumeOptions } from './blocking-options.js';

/**
 * Blocking pops, written once for every model that waits for an item (Queue and Stack with
 * BRPOP/BLPOP, PriorityQueue with BZPOPMIN, a BLMOVE-based queue...): a model describes its
 * blocking command and how to read a value out of its reply ({@link BlockingCommand}); this
 * module does the rest: the timeout in milliseconds, a wait bounded on the client side too, an
 * abort that never loses an item, and a consuming loop on one dedicated connection that
 * reconnects after a server restart or failover (`blocking-send.ts` holds the single command).
 *
 * Closing a blocked connection could drop an item the server had just popped and not yet
 * delivered, so nothing here closes one while its reply is due: an abort asks the server to end
 * the wait (`CLIENT UNBLOCK`), and a reply that does not come in time (a frozen or unreachable
 * server) is awaited in the background, its item given back (`BlockingCommand.giveBack`). A
 * connection that saw an abort is closed afterwards instead of being kept for reuse.
 *
 * @internal
 * @module
 */

/**
 * How a model pops with a blocking command: what to send, and what a reply holds. A nil reply
 * always means that nothing was taken (the timeout ran out, or an abort ended the wait).
 *
 * @typeParam V - what one pop yields (an item, an item with its priority...).
 *
 * @example
 * A list whose pops move each item to an in-flight list (`BLMOVE`):
 * ```ts
 * const take: BlockingCommand<string> = {
 *   command: (timeout) => ['BLMOVE', key, inflight, 'RIGHT', 'LEFT', timeout],
 *   value: (reply) => String(reply), // the moved element
 *   giveBack: (reply) => ['LMOVE', inflight, key, 'LEFT', 'RIGHT'],
 * };
 * ```
 */
export interface BlockingCommand<V> {
  /**
   * The whole command of one blocking pop, name first, given its timeout argument: Redis'
   * decimal seconds (`"1.5"`), `"0"` for no limit. E.g. `(t) => ['BRPOP', key, t]`.
   */
  command(timeout: string): RedisArg[];
  /**
   * The value of a reply that is not nil, decoded: e.g. the item of BRPOP's `[key, item]`.
   * What it throws becomes a {@link DecodeError} naming the model (the item was taken).
   */
  value(reply: unknown): V;
  /**
   * The command that puts back what a reply holds, for a reply that came after the client gave
   * up on it (the server was frozen or unreachable past the timeout): e.g. `['RPUSH', key, item]`
   * for BRPOP's `[key, item]`, so the item is the next one taken.
   */
  giveBack(reply: unknown): RedisArg[];
  /**
   * The reply carries a binary serializer's values (`Serializer.binary`): its bulk strings
   * come as Buffers, to `value` and `giveBack` alike (the item given back keeps its bytes).
   */
  readonly binary?: boolean;
}

/** The loop's default `reconnectFor` (ms). */
const RECONNECT_FOR = 30_000;

/** What a model lends to its blocking pops: its key and name, and its protected helpers. */
export type BlockingHost = Pick<Tools, 'key' | 'modelName' | 'blocking' | 'decodeWith' | 'direct'>;

/**
 * One blocking command for a timeout of `timeout` ms. Without limit (0), the server is asked
 * to wait at most a few seconds at a time (the endpoint's margin, at least 1 s) and the caller
 * sends again after a nil reply, so a server that stops answering is noticed even then.
 */
function sendOf<V>(
  blocking: BlockingCommand<V>,
  timeout: number,
  endpoint: BlockingEndpoint,
): BlockingSend {
  const margin = endpoint.margin;
  const wait = timeout > 0 ? timeout : margin > 0 ? Math.max(margin, 1000) : 0;
  return {
    args: blocking.command(wait === 0 ? '0' : String(wait / 1000)),
    wait,
    giveBack: (reply) => blocking.giveBack(reply),
    binary: blocking.binary,
  };
}

/**
 * Takes one value, waiting up to `options.timeout` ms for it, with `blocking` on a dedicated
 * connection (`call`: how errors name the method). Refuses, synchronously, a handle that queues into a batch, options that are not
 * an object, and a bad timeout (nothing is sent then).
 *
 * @returns the value, or null when none came in time.
 * @throws `signal.reason` when the signal aborts and nothing was taken (at once, without
 * connecting, when it is already aborted); a value taken meanwhile is returned instead.
 * @throws ConnectionError when the server did not answer within `timeout` + `commandTimeout` ms
 * (an item it hands over later is given back).
 */
export function blockingPop<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  options: BlockingPopOptions,
  call = 'pop(options)',
): DirectOnly<V | null> {
  host.direct(call); // synchronously: a batch gets an error, not a rejection
  const { timeout, signal } = optionsOf<BlockingPopOptions>(host, options, call);
  timeoutArg(host, timeout);
  return popOnce(host, blocking, timeout, signal).then((reply) =>
    nil(reply) ? null : host.decodeWith((r) => blocking.value(r), reply),
  ) as DirectOnly<V | null>;
}

/**
 * Takes values as they come, with `blocking` in a loop on ONE dedicated connection held for the
 * whole iteration. Refuses, synchronously, a handle that queues into a batch and bad options.
 *
 * The iteration completes when `signal` aborts (also before it started: then nothing is sent),
 * when no value came for `timeout` ms (if given and not 0), or when the consumer leaves its
 * `for await` loop. The connection then goes back to the pool, or is closed after an abort.
 * When the connection fails, the loop connects again (pauses of 50 ms to 1 s) for up to
 * `reconnectFor` ms, then ends with the {@link ConnectionError}; other errors (a value that
 * cannot be decoded, an ACL refusal) end it at once.
 */
export function consume<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  options: ConsumeOptions = {},
): AsyncGenerator<V, void, undefined> {
  host.direct('consume()');
  const checked = optionsOf<ConsumeOptions>(host, options, 'consume(options)');
  const timeout = checked.timeout ?? 0;
  timeoutArg(host, timeout);
  const reconnectFor = checked.reconnectFor ?? RECONNECT_FOR;
  if (!Number.isSafeInteger(reconnectFor) || reconnectFor < 0) {
    throw new ArgumentError(
      `reconnectFor must be a non-negative integer of milliseconds, got ${kindOf(reconnectFor)}`,
      { model: host.modelName, key: host.key },
    );
  }
  return (async function* pops(): AsyncGenerator<V, void, undefined> {
    yield* loop(relay(checked.signal));
  })();

  async function* loop(signal: AbortSignal | undefined): AsyncGenerator<V, void, undefined> {
    const recovery = new Recovery(reconnectFor, checked.onError);
    while (!signal?.aborted) {
      let failure: unknown;
      try {
        const held = await lease(host.blocking);
        try {
          for (;;) {
            const reply = await take(held, blocking, timeout, signal);
            recovery.ok();
            if (reply === undefined) return; // aborted, or idle for `timeout` ms
            yield host.decodeWith((r) => blocking.value(r), reply);
          }
        } catch (error) {
          failure = error;
        } finally {
          if (signal?.aborted) held.endpoint.discard(held.client);
          await held.release(failure);
        }
      } catch (error) {
        if (signal?.aborted) return;
        await recovery.failed(error, signal);
      }
    }
  }
}

/**
 * The next reply that holds a value, on a held connection: undefined when the signal aborted
 * or (with a timeout) nothing came for `timeout` ms.
 */
async function take<V>(
  held: Lease,
  blocking: BlockingCommand<V>,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  while (!signal?.aborted) {
    const reply = await send(
      held.client,
      held.endpoint,
      sendOf(blocking, timeout, held.endpoint),
      signal,
    );
    if (!nil(reply)) return reply;
    if (timeout > 0) return undefined;
  }
  return undefined;
}

/**
 * One blocking pop on a dedicated connection (without limit: several, until a value comes).
 * @returns the raw reply (nil on timeout).
 * @throws `signal.reason` when the signal aborted and nothing was taken (also when it was
 * aborted before the call: then nothing is sent).
 */
async function popOnce<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  timeout: number,
  caller: AbortSignal | undefined,
): Promise<unknown> {
  caller?.throwIfAborted();
  return popWith(host, blocking, timeout, relay(caller));
}

/** {@link popOnce} with a signal of its own. */
async function popWith<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  let reply: unknown;
  try {
    reply = await host.blocking(async (client, endpoint) => {
      try {
        for (;;) {
          reply = await send(client, endpoint, sendOf(blocking, timeout, endpoint), signal);
          if (!nil(reply) || timeout > 0 || signal?.aborted) return reply;
        }
      } finally {
        if (signal?.aborted) endpoint.discard(client);
      }
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
  if (nil(reply) && signal?.aborted) throw signal.reason;
  return reply;
}
