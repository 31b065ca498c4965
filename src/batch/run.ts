import { setTimeout as sleep } from 'node:timers/promises';
import { keyOf, type Command } from '../core/command.js';
import { CommandError, ConfigError, WatchConflictError } from '../core/errors.js';
import { traceBatch } from '../core/tracing.js';
import type { TransactionOutcome } from '../transport/batch-exec.js';
import type { Endpoint, RedisClient } from '../transport/endpoint.js';
import { replyCode } from '../transport/error-map.js';
import type { PipelineOptions, Topology } from '../transport/topology.js';
import { Batch, type BatchResults } from './batch.js';
import { Queued } from './queued.js';
import { WatchSession } from './watch-session.js';

export type { PipelineOptions } from '../transport/topology.js';

/** What a pipeline or transaction callback returns: the placeholders whose results it wants. */
export type BatchBuilder<T extends readonly Queued<unknown>[]> = (batch: Batch) => readonly [...T];

/** Options of `Connection.watch`. */
export interface WatchOptions {
  /** Attempts before giving up with a WatchConflictError. Default 10. */
  attempts?: number;
}

function pick<T extends readonly Queued<unknown>[]>(
  placeholders: readonly [...T],
  results: unknown[],
): BatchResults<T> {
  // Most builders return every placeholder, in order: the results are the answer as they are.
  if (placeholders.length === results.length && placeholders.every((q, i) => q.index === i)) {
    return results as BatchResults<T>;
  }
  return placeholders.map((queued) => results[queued.index]) as BatchResults<T>;
}

/** Checks that the callback returned placeholders of this batch (not promises or values). */
function placeholdersOf<T extends readonly Queued<unknown>[]>(
  batch: Batch,
  returned: readonly [...T],
): readonly [...T] {
  if (!Array.isArray(returned)) {
    throw new ConfigError('a batch callback must return an array of queued operations');
  }
  returned.forEach((item: unknown, index) => {
    if (!(item instanceof Queued) || item.batch !== batch) {
      throw new ConfigError(
        `item ${index} returned by the batch callback is not an operation queued in this batch ` +
          '(use model.in(batch).operation(...))',
      );
    }
  });
  return returned;
}

/** The keys a batch's commands are about (for cluster slot checks). @internal */
export function keysOf(commands: readonly Command[]): string[] {
  return commands.flatMap((command) => keyOf(command) ?? []);
}

/** @internal the body of `Connection.pipeline`. */
export async function pipeline<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  build: BatchBuilder<T>,
  options: PipelineOptions = {},
): Promise<BatchResults<T>> {
  const batch = new Batch(topology, name);
  const placeholders = placeholdersOf(batch, build(batch));
  if (batch.commands.length === 0) return pick(placeholders, []);
  const run = (): Promise<unknown[]> => topology.pipeline(batch.commands, options);
  return pick(placeholders, await traceBatch(name, 'pipeline', () => batch.commands, run));
}

/** @internal the body of `Connection.transaction`. */
export async function transaction<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  build: BatchBuilder<T>,
): Promise<BatchResults<T>> {
  const batch = new Batch(topology, name);
  const placeholders = placeholdersOf(batch, build(batch));
  if (batch.commands.length === 0) return pick(placeholders, []);
  topology.checkSlots(keysOf(batch.commands), 'a transaction');
  const run = (): Promise<unknown[]> => topology.transaction(batch.commands);
  return pick(placeholders, await traceBatch(name, 'transaction', () => batch.commands, run));
}

/** Error replies that mean "this cluster node does not serve the key now": nothing ran. */
const REDIRECTS = new Set(['MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN']);
/** Redirections one `watch()` follows before it gives up (node-redis' own default is 16). */
const MAX_REDIRECTS = 16;
/**
 * Waits of 100 ms one `watch()` makes while the cluster answers `CLUSTERDOWN` (a failover in
 * progress): about 5 s, the default connectTimeout, like the calls that follow a failover.
 */
const MAX_DOWN_WAITS = 50;

function redirectOf(error: unknown): TransactionOutcome | undefined {
  const code = replyCode(error) ?? (error instanceof CommandError ? error.code : undefined);
  if (code === undefined || !REDIRECTS.has(code)) return undefined;
  const address = / (?:MOVED|ASK) \d+ (\S+)/.exec(` ${(error as Error).message}`)?.[1] ?? '';
  return { kind: 'redirect', reason: code as 'MOVED' | 'CLUSTERDOWN', address };
}

/** Where an attempt runs: the master of the keys, or (ASK) the node importing their slot. */
interface Route {
  readonly address?: string;
  readonly asking: boolean;
}

/** One optimistic attempt on a dedicated connection: WATCH, the body's reads, MULTI/EXEC. */
async function attempt<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  keys: readonly string[],
  body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
  route: Route,
  client: RedisClient,
  endpoint: Endpoint,
): Promise<{ outcome: TransactionOutcome; placeholders?: readonly [...T] }> {
  const batch = new Batch(topology, name);
  let placeholders: readonly [...T];
  try {
    if (route.asking) void client.sendCommand(['ASKING']).catch(() => undefined);
    // Through the endpoint, so the watchdog counts it (a frozen server is noticed here too).
    await endpoint.execOn(client, { args: ['WATCH', ...keys], write: false });
    const build = await body(new WatchSession(topology, endpoint, client, route.asking));
    placeholders = placeholdersOf(batch, build(batch));
    topology.checkSlots([...keys, ...keysOf(batch.commands)], 'WATCH');
  } catch (error) {
    await client.sendCommand(['UNWATCH']).catch(() => undefined);
    const redirect = redirectOf(error);
    if (redirect !== undefined) return { outcome: redirect };
    throw error;
  }
  const outcome = await endpoint.transactionOn(client, batch.commands, {
    asking: route.asking,
    metered: true,
  });
  return { outcome, placeholders };
}

/**
 * @internal the body of `Connection.watch`. Each attempt takes a dedicated connection to the
 * master of the keys. On a cluster, an attempt that meets a redirection (nothing ran) follows
 * it: `MOVED` refreshes the slot map, `ASK` runs the next attempt on the importing node with
 * `ASKING` before each command, `TRYAGAIN` waits a little, `CLUSTERDOWN` (a failover) waits
 * 100 ms and refreshes the slot map, for about 5 s. Redirections do not count as attempts (lost
 * races do); at most {@link MAX_REDIRECTS} are followed.
 */
export function watch<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  keys: readonly string[],
  body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
  options: WatchOptions = {},
): Promise<BatchResults<T>> {
  // The trace names the keys watched; the body's operations are traced one by one.
  const watched = (): Command[] => keys.map((key) => ({ args: ['WATCH', key], write: false, key }));
  const run = (): Promise<BatchResults<T>> => watchLoop(topology, name, keys, body, options);
  return traceBatch(name, 'watch', watched, run);
}

async function watchLoop<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  keys: readonly string[],
  body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
  options: WatchOptions,
): Promise<BatchResults<T>> {
  const attempts = options.attempts ?? 10;
  topology.checkSlots(keys, 'WATCH');
  const key = keys[0] ?? '';
  let route: Route = { asking: false };
  let redirects = 0;
  let downWaits = 0;
  for (let round = 1; round <= attempts;) {
    const { outcome, placeholders } = await topology.dedicated(
      key,
      (client, endpoint) => attempt(topology, name, keys, body, route, client, endpoint),
      undefined,
      undefined,
      { address: route.address, watched: true },
    );
    if (outcome.kind === 'done') return pick(placeholders!, outcome.results);
    if (outcome.kind === 'redirect' && outcome.reason === 'CLUSTERDOWN') {
      // The cluster is reconfiguring (a failover): the slot map may be stale too.
      if (++downWaits > MAX_DOWN_WAITS) {
        throw new CommandError(
          'CLUSTERDOWN',
          `the cluster stayed down while WATCH on ${keys.join(', ')} waited ${MAX_DOWN_WAITS * 100} ms; nothing ran`,
        );
      }
      route = { asking: false };
      await sleep(100);
      await topology.refresh(key);
      continue;
    }
    if (outcome.kind === 'redirect') {
      if (++redirects > MAX_REDIRECTS) {
        throw new CommandError(
          outcome.reason,
          `the cluster kept redirecting WATCH on ${keys.join(', ')} (${outcome.reason}) ${MAX_REDIRECTS} times; nothing ran`,
        );
      }
      if (outcome.reason === 'ASK') {
        route = { address: outcome.address, asking: true };
        continue;
      }
      route = { asking: false };
      if (outcome.reason === 'MOVED') await topology.refresh(key);
      else await sleep(Math.min(5 * 2 ** redirects, 100));
      continue;
    }
    route = { asking: false };
    round += 1;
    // Lost the race: back off a little (randomised, growing) so contenders spread out.
    await sleep(Math.random() * Math.min(2 ** round, 50));
  }
  throw new WatchConflictError(keys, attempts);
}
