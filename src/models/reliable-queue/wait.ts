import type { Delivery, Settler } from './delivery.js';
import type { QueueHost } from './host.js';
import { popAcross } from './pop.js';
import { waitOnList } from '../wake-list.js';

/**
 * Waiting for messages without polling: a pop that finds nothing ready leaves the "a consumer
 * waits" flag in the same script, then blocks (`BLPOP`, on a dedicated connection) on the
 * partition's wake-up list, which every push (and every pop that leaves messages behind) feeds
 * while the flag lives, until the next delayed message is due or the next delivery expires.
 *
 * The end of each wait is timed on the client: a blocked command's own timeout only ends at the
 * server's next tick (every 100 ms at the default `hz 10`), too late for a delayed message due
 * now. A wait that ends that way leaves its `BLPOP` to finish on its connection; a wake-up token
 * it takes then is put back for the other consumers.
 *
 * @internal
 * @module
 */

/** Longest wait on one partition before looking again (a lost wake-up costs at most this). */
const RECHECK = 5_000;
/** Longest wait with several partitions: a push to another partition wakes no one here. */
const PARTITION_RECHECK = 200;
/** How much longer than the wait the "a consumer waits" flag lives. */
const FLAG_MARGIN = 2_000;
/** How long a given-back wake-up token lives, ms. */
const TOKEN_TTL = '10000';

/** Options of one waiting pop, checked. */
export interface WaitingPop {
  readonly visibility: number;
  /** ms; 0: no limit. */
  readonly timeout: number;
  readonly count: number;
  readonly signal?: AbortSignal;
}

/**
 * Takes up to `count` messages, waiting up to `timeout` ms (0: no limit) for some.
 * @returns the deliveries; `[]` when none came in time.
 * @throws `signal.reason` when the signal aborts first (messages taken are returned instead).
 */
export async function popWaiting<T>(
  host: QueueHost<T>,
  settler: Settler<T>,
  { visibility, timeout, count, signal }: WaitingPop,
): Promise<Delivery<T>[]> {
  signal?.throwIfAborted();
  const deadline = timeout > 0 ? performance.now() + timeout : Infinity;
  const cap = recheck(host);
  for (;;) {
    const left = deadline - performance.now();
    const most = Math.min(left, cap);
    const flag = flagFor(most);
    const popped = await popAcross(host, settler, visibility, count, flag);
    if (popped.deliveries.length > 0) return popped.deliveries;
    signal?.throwIfAborted();
    if (left <= 0) return [];
    await waitForWake(host, blockTime(most, popped.wait), signal);
  }
}

/** The longest wait before looking again (shorter with several partitions). */
export function recheck<T>(host: QueueHost<T>): number {
  return host.settings.partitions > 1 ? PARTITION_RECHECK : RECHECK;
}

/** How long the "a consumer waits" flag lives for a wait of at most `most` ms (0: no wait). */
export function flagFor(most: number): number {
  return most > 0 ? Math.ceil(most) + FLAG_MARGIN : 0;
}

/** How long to wait: at most `most` ms, and no later than when something is due (`due` ms; -1: never). */
export function blockTime(most: number, due: number): number {
  return Math.max(1, Math.ceil(Math.min(most, due >= 0 ? due : Infinity)));
}

/**
 * Blocks until a wake-up token comes on a partition's list (partition 0, or a random one of
 * several), `ms` pass, or `signal` aborts (then rejects with its reason). A connection failure
 * rejects (typed) if it comes first.
 */
export function waitForWake<T>(
  host: QueueHost<T>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const partitions = host.settings.partitions;
  const p = partitions === 1 ? 0 : Math.floor(Math.random() * partitions);
  const { base, wake } = host.keys(p);
  return waitOnList({
    blocking: (fn) => host.blocking(base, fn),
    list: wake,
    ms,
    exact: true,
    tokenTtl: TOKEN_TTL,
    single: false,
    signal,
  });
}
