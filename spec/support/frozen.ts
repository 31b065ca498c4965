import net from 'node:net';
import type { Connection, ConnectionOptions } from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { connectionTo } from './helpers.js';

/**
 * What the frozen- and silent-server specs share: their short timeouts, the slack on top of a
 * bound, a way to time a call however it settles, and a silent server.
 *
 * @module
 */

/** Short timeouts, so that every call settles fast while the server cannot answer. */
export const FROZEN_OPTIONS: ConnectionOptions = { commandTimeout: 300, connectTimeout: 500 };

/** Scheduling slack on top of a bound (a loaded 2-core machine). */
export const SLACK = 1200;

/** What {@link timed} saw: how long the promise took (ms), its value, or its rejection. */
export interface Timed<T> {
  readonly ms: number;
  readonly value?: T;
  readonly error: unknown;
}

/** How long `promise` took to settle, and its value or its rejection. */
export async function timed<T>(promise: Promise<T>): Promise<Timed<T>> {
  const started = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - started, value, error: undefined };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/**
 * Makes calls on a Connection class (with {@link FROZEN_OPTIONS}) to a silent server, one that
 * accepts connections and never answers, and times each; the server is closed after.
 */
export async function onSilentServer(
  calls: (Main: typeof Connection) => Array<Promise<unknown>>,
): Promise<Array<Timed<unknown>>> {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    const Main = connectionTo({ url: `redis://127.0.0.1:${port}` } as RedisServer, {
      options: FROZEN_OPTIONS,
    });
    return await Promise.all(calls(Main).map((call) => timed(call)));
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
}
