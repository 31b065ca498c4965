import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandOrigin, RedisArg } from '../core/command.js';
import { integer } from '../core/decoders.js';
import { ArgumentError } from '../core/errors.js';
import type { RedisClient } from '../transport/endpoint.js';
import type { DirectOnly } from '../batch/types.js';
import type { Tools } from './handle.js';

/**
 * Blocking pops, written once for every model that waits for an item (Queue and Stack with
 * BRPOP/BLPOP, PriorityQueue with BZPOPMIN, a BLMOVE-based queue...): a model describes its
 * blocking command and how to read a value out of its reply ({@link BlockingCommand}); this
 * module does the rest: the timeout in milliseconds, an abort that never loses an item, and a
 * consuming loop on one dedicated connection.
 *
 * Aborting a blocked command by closing its connection could drop an item the server had just
 * popped and not yet delivered. So an abort first asks the server to end the wait with
 * `CLIENT UNBLOCK <id> TIMEOUT`, sent on a short-lived duplicate of the blocked connection (so it
 * reaches the very same server, whatever the topology): the blocked command then returns either
 * nothing or the item it had already taken, which is delivered. Only when `CLIENT UNBLOCK`
 * cannot be sent (an ACL without it...) is the connection closed at once. A connection that saw
 * an abort is closed afterwards instead of being kept for reuse.
 *
 * @internal
 * @module
 */

/** Options of a blocking pop: `pop({ timeout, signal })`. */
export interface BlockingPopOptions {
  /**
   * How long to wait for an item, in **milliseconds** (a non-negative integer); the pop resolves
   * to `null` when none came in time. `0` waits without limit: until an item comes or `signal`
   * aborts.
   */
  timeout: number;
  /** Ends the wait: the pop rejects with `signal.reason` (an item already taken is returned). */
  signal?: AbortSignal;
}

/** Options of a consuming loop: `consume({ signal, timeout })`. */
export interface ConsumeOptions {
  /** Ends the iteration (it completes normally, without an error). */
  signal?: AbortSignal;
  /**
   * Ends the iteration after this many **milliseconds** without an item. Default (or `0`): no
   * limit, the loop runs until `signal` aborts or the consumer leaves the `for await` loop.
   */
  timeout?: number;
}

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
}

/** What a model lends to its blocking pops: its key and name, and its protected helpers. */
export type BlockingHost = Pick<Tools, 'key' | 'modelName' | 'blocking' | 'decodeWith' | 'direct'>;

/**
 * A blocking command's timeout argument: milliseconds checked and turned into Redis' decimal
 * seconds (`1500` → `"1.5"`, `0` → `"0"`, no limit).
 * @throws {@link ArgumentError} for anything but a non-negative safe integer.
 */
export function timeoutArg(origin: CommandOrigin, ms: unknown, name = 'timeout'): string {
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new ArgumentError(
      `${name} must be a non-negative integer of milliseconds (0 = no limit), got ${String(ms)}`,
      { model: origin.modelName, key: origin.key },
    );
  }
  return ms === 0 ? '0' : String(ms / 1000);
}

/** Whether a reply is nil: nothing was taken. */
function nil(reply: unknown): boolean {
  return reply === null || reply === undefined;
}

/**
 * Takes one value, waiting up to `options.timeout` ms for it, with `blocking` on a dedicated
 * connection. Refuses, synchronously, a handle that queues into a batch and a bad timeout
 * (nothing is sent then).
 *
 * @returns the value, or null when none came in time.
 * @throws `signal.reason` when the signal aborts and nothing was taken (at once, without
 * connecting, when it is already aborted); a value taken meanwhile is returned instead.
 */
export function blockingPop<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  options: BlockingPopOptions,
): DirectOnly<V | null> {
  host.direct('pop({ timeout })'); // synchronously: a batch gets an error, not a rejection
  const args = blocking.command(timeoutArg(host, options.timeout));
  return popOnce(host, args, options.signal).then((reply) =>
    nil(reply) ? null : host.decodeWith((r) => blocking.value(r), reply),
  ) as DirectOnly<V | null>;
}

/**
 * Takes values as they come, with `blocking` in a loop on ONE dedicated connection held for the
 * whole iteration. Refuses, synchronously, a handle that queues into a batch and a bad timeout.
 *
 * The iteration completes when `signal` aborts (also before it started: then nothing is sent),
 * when no value came for `timeout` ms (if given and not 0), or when the consumer leaves its
 * `for await` loop. The connection then goes back to the pool, or is closed after an abort.
 * Connection errors and values that cannot be decoded end the iteration with the error.
 */
export function consume<V>(
  host: BlockingHost,
  blocking: BlockingCommand<V>,
  options: ConsumeOptions = {},
): AsyncGenerator<V, void, undefined> {
  host.direct('consume()');
  const timeout = options.timeout === undefined ? '0' : timeoutArg(host, options.timeout);
  const args = blocking.command(timeout);
  const idleEnds = timeout !== '0';
  const signal = options.signal;
  return (async function* pops(): AsyncGenerator<V, void, undefined> {
    if (signal?.aborted) return;
    let held: Lease;
    try {
      held = await lease(host);
    } catch (error) {
      if (signal?.aborted) return;
      throw error;
    }
    let failure: unknown;
    try {
      while (!signal?.aborted) {
        let reply: unknown;
        try {
          reply = await send(held.client, args, signal);
        } catch (error) {
          if (!signal?.aborted) failure = error;
          return;
        }
        if (nil(reply)) {
          if (idleEnds) return;
          continue;
        }
        yield host.decodeWith((r) => blocking.value(r), reply);
      }
    } finally {
      if (signal?.aborted) held.client.destroy();
      await held.release(failure);
    }
  })();
}

/**
 * One blocking command on a dedicated connection.
 * @returns the raw reply (nil on timeout).
 * @throws `signal.reason` when the signal aborted and nothing was taken (also when it was
 * aborted before the call: then nothing is sent).
 */
async function popOnce(
  host: BlockingHost,
  args: RedisArg[],
  signal: AbortSignal | undefined,
): Promise<unknown> {
  signal?.throwIfAborted();
  let reply: unknown;
  try {
    reply = await host.blocking(async (client) => {
      try {
        return await send(client, args, signal);
      } finally {
        if (signal?.aborted) client.destroy();
      }
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
  if (nil(reply) && signal?.aborted) throw signal.reason;
  return reply;
}

/** Server-side ids of the dedicated connections (asked once per connection). */
const clientIds = new WeakMap<RedisClient, Promise<number>>();

/**
 * Sends one blocking command on `client`. When `signal` aborts, the server is asked to end the
 * wait (`CLIENT UNBLOCK` from a duplicate connection), retrying while the command is still on
 * its way; the reply (an item, or the nil of a timeout) is returned either way. The connection
 * is destroyed at once only when the server cannot unblock it.
 */
async function send(
  client: RedisClient,
  args: RedisArg[],
  signal: AbortSignal | undefined,
): Promise<unknown> {
  if (signal === undefined) return client.sendCommand(args);
  let id = clientIds.get(client);
  if (id === undefined) {
    // Pipelined with the command below: no extra round trip.
    id = client.sendCommand(['CLIENT', 'ID']).then(integer);
    id.catch(() => undefined);
    clientIds.set(client, id);
  }
  const reply = client.sendCommand(args);
  let settled = false;
  const interrupt = async (): Promise<void> => {
    let helper: RedisClient | undefined;
    try {
      const target = String(await id);
      helper = client.duplicate();
      helper.on('error', () => undefined);
      await helper.connect();
      // UNBLOCK finds nothing while the command is still in flight (or its reply is): retry.
      for (let attempt = 0; attempt < 200 && !settled; attempt++) {
        const unblocked = await helper.sendCommand(['CLIENT', 'UNBLOCK', target, 'TIMEOUT']);
        if (integer(unblocked) > 0) return;
        if (!settled) await sleep(5);
      }
    } catch {
      // CLIENT UNBLOCK refused, or no second connection: fall back to closing.
    } finally {
      helper?.destroy();
    }
    if (!settled) client.destroy();
  };
  const onAbort = (): void => void interrupt();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await reply;
  } finally {
    settled = true;
    signal.removeEventListener('abort', onAbort);
  }
}

/** A dedicated connection held for a while; `release` hands it back (or reports a failure). */
interface Lease {
  readonly client: RedisClient;
  /** Ends the lease; rejects with the typed form of `failure` when one is given. */
  release(failure?: unknown): Promise<void>;
}

/** Holds one dedicated connection until released: `host.blocking` with a function that waits. */
function lease(host: BlockingHost): Promise<Lease> {
  return new Promise<Lease>((resolve, reject) => {
    let finish!: (failure: unknown) => void;
    const held = new Promise<void>((done, fail) => {
      finish = (failure) => (failure === undefined ? done() : fail(failure));
    });
    const over = host.blocking(async (client) => {
      resolve({
        client,
        release: (failure) => {
          finish(failure);
          return over;
        },
      });
      await held;
    });
    over.catch(reject);
  });
}
