import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisArg } from '../core/command.js';
import { integer } from '../core/decoders.js';
import type { BlockingEndpoint, RedisClient } from '../transport/endpoint.js';
import { bulkOptions } from '../transport/reply-options.js';

/**
 * One blocking command on a dedicated connection, and how it ends early: the steps of the
 * blocking pops (`blocking-pop.ts`).
 *
 * - **Bounded**: the client waits for the reply at most the command's own timeout plus the
 *   endpoint's margin (`commandTimeout`), so a frozen or unreachable server cannot hold the call
 *   forever (`Endpoint.bounded`). The connection given up on is kept until the reply comes;
 *   an item in it is given back to the structure (`giveBack`), never dropped.
 * - **Aborted**: the server is asked to end the wait with `CLIENT UNBLOCK <id> TIMEOUT`, sent on
 *   a short-lived duplicate of the blocked connection (so it reaches the very same server,
 *   whatever the topology); the command then returns nothing, or the item it had already taken,
 *   which is delivered. Only when `CLIENT UNBLOCK` cannot be sent (an ACL without it...) is the
 *   connection closed at once.
 *
 * @internal
 * @module
 */

/** One blocking command to send: its arguments, and how the server's wait is bounded. */
export interface BlockingSend {
  /** The whole command, name first, with its timeout argument. */
  readonly args: RedisArg[];
  /** The command's own timeout in ms (0: the server waits without limit). */
  readonly wait: number;
  /** The command that puts back what a reply holds, for a reply that came too late. */
  readonly giveBack: (reply: unknown) => RedisArg[] | undefined;
  /** Bulk strings of the reply as Buffers (a binary serializer's values). */
  readonly binary?: boolean;
}

/** Server-side ids of the dedicated connections (asked once per connection). */
const clientIds = new WeakMap<RedisClient, Promise<number>>();

/** Whether a reply is nil: nothing was taken. */
export function nil(reply: unknown): boolean {
  return reply === null || reply === undefined;
}

/**
 * Sends one blocking command on `client` and waits for its reply within the bound (see the
 * module). @returns the reply (an item, or the nil of a timeout) — also after an abort.
 * @throws ConnectionError when the bound passed (the reply's item, if any, is given back).
 */
export async function send(
  client: RedisClient,
  endpoint: BlockingEndpoint,
  command: BlockingSend,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  let id: Promise<number> | undefined;
  if (signal !== undefined) {
    id = clientIds.get(client);
    if (id === undefined) {
      // Pipelined with the command below: no extra round trip.
      id = client.sendCommand(['CLIENT', 'ID']).then(integer);
      id.catch(() => undefined);
      clientIds.set(client, id);
    }
  }
  const reply = client.sendCommand(command.args, bulkOptions(command.binary));
  const late = (taken: unknown): unknown => {
    const back = nil(taken) ? undefined : command.giveBack(taken);
    return back && client.sendCommand(back);
  };
  const bounded = endpoint.bounded(client, reply, { wait: command.wait, signal, late });
  if (signal === undefined || id === undefined) return bounded;
  const state = { settled: false };
  const onAbort = (): void => void interrupt(client, endpoint, id, state);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await bounded;
  } finally {
    state.settled = true;
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Asks the server to end the wait of `client` (CLIENT UNBLOCK from a duplicate connection),
 * retrying while the command is still on its way; closes `client` when that cannot be done and
 * the command has not settled (nor been given up on) meanwhile.
 */
async function interrupt(
  client: RedisClient,
  endpoint: BlockingEndpoint,
  id: Promise<number>,
  state: { settled: boolean },
): Promise<void> {
  let helper: RedisClient | undefined;
  const margin = endpoint.margin;
  try {
    const target = String(await id);
    helper = client.duplicate();
    helper.on('error', () => undefined);
    const connecting = helper.connect();
    connecting.catch(() => undefined);
    // A frozen server would hold the helper's handshake: the call's own bound ends it then.
    if (margin > 0) await Promise.race([connecting, sleep(margin, undefined, { ref: false })]);
    else await connecting;
    // UNBLOCK finds nothing while the command is still in flight (or its reply is): retry.
    for (let attempt = 0; attempt < 200 && !state.settled && helper.isReady; attempt++) {
      const unblocked = await helper.sendCommand(['CLIENT', 'UNBLOCK', target, 'TIMEOUT']);
      if (integer(unblocked) > 0) return;
      if (!state.settled) await sleep(5);
    }
  } catch {
    // CLIENT UNBLOCK refused, or no second connection: fall back to closing.
  } finally {
    helper?.destroy();
  }
  if (!state.settled) client.destroy();
}

/** A dedicated connection held for a while; `release` hands it back (or reports a failure). */
export interface Lease {
  readonly client: RedisClient;
  readonly endpoint: BlockingEndpoint;
  /** Ends the lease; rejects with the typed form of `failure` when one is given. */
  release(failure?: unknown): Promise<void>;
}

/** Holds one dedicated connection until released: `blocking` with a function that waits. */
export function lease(
  blocking: <T>(fn: (client: RedisClient, endpoint: BlockingEndpoint) => Promise<T>) => Promise<T>,
): Promise<Lease> {
  return new Promise<Lease>((resolve, reject) => {
    let finish!: (failure: unknown) => void;
    const held = new Promise<void>((done, fail) => {
      finish = (failure) => (failure === undefined ? done() : fail(failure));
    });
    const over = blocking(async (client, endpoint) => {
      resolve({
        client,
        endpoint,
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
