// The near-cache cluster specs' tools: a cluster Connection, reads watched over a window, and
// the wait for a replica's promotion.
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { Connection, RedisextError } from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { raw, track } from './helpers.js';

/** A Connection class of its own on the cluster that `seed` belongs to (closed at the end). */
export function clusterMain(seed: RedisServer): typeof Connection {
  const Main = class extends Connection {
    static override CLUSTER = seed.url;
  };
  track(() => Main.close());
  return Main;
}

/** One read of a window: when it began (ms since epoch) and what it returned, or its error. */
export interface WindowRead {
  readonly start: number;
  readonly value?: unknown;
  readonly error?: unknown;
}

/**
 * Reads with `read` in a loop for `ms` milliseconds (yielding to the event loop between reads,
 * so invalidation pushes are handled), recording each read; a rejection is recorded, not thrown.
 * Stops early once `done(value)` has held for `settleReads` reads in a row.
 */
export async function readWindow(
  read: () => Promise<unknown>,
  ms: number,
  done: (value: unknown) => boolean = () => false,
  settleReads = Infinity,
): Promise<WindowRead[]> {
  const reads: WindowRead[] = [];
  const end = Date.now() + ms;
  let streak = 0;
  while (Date.now() < end && streak < settleReads) {
    const start = Date.now();
    try {
      const value = await read();
      reads.push({ start, value });
      streak = done(value) ? streak + 1 : 0;
    } catch (error) {
      reads.push({ start, error });
      streak = 0;
      await sleep(20);
    }
    await setImmediate();
  }
  return reads;
}

/** The errors of a window that are not typed (every failure must be a `RedisextError`). */
export function untyped(reads: readonly WindowRead[]): unknown[] {
  return reads
    .filter((r) => 'error' in r && !(r.error instanceof RedisextError))
    .map((r) => r.error);
}

/** Waits until `replica` reports the master role (its promotion); gives the time it did. */
export async function promoted(replica: RedisServer, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const role = await raw(replica, 'ROLE').catch(() => ['?']);
    if (String((role as unknown[])[0]) === 'master') return Date.now();
    if (Date.now() > deadline) throw new Error(`replica ${replica.port} was not promoted`);
    await sleep(20);
  }
}
