import { setTimeout as sleep } from 'node:timers/promises';
import { keyOf, type Command } from '../command.js';
import type { PipelineOptions, Topology } from '../connection/topology.js';
import { ConfigError, WatchConflictError } from '../errors.js';
import { Batch, Queued, type BatchResults } from './batch.js';
import { runTransaction, WATCH_FAILED } from './execute.js';
import { WatchSession } from './watch.js';

export type { PipelineOptions } from '../connection/topology.js';

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
  return pick(placeholders, await topology.pipeline(batch.commands, options));
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
  return pick(placeholders, await topology.transaction(batch.commands));
}

/** @internal the body of `Connection.watch`. */
export async function watch<T extends readonly Queued<unknown>[]>(
  topology: Topology,
  name: string,
  keys: readonly string[],
  body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
  options: WatchOptions = {},
): Promise<BatchResults<T>> {
  const attempts = options.attempts ?? 10;
  topology.checkSlots(keys, 'WATCH');
  return topology.dedicated(keys[0] ?? '', async (client, endpoint) => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await client.sendCommand(['WATCH', ...keys]);
      const batch = new Batch(topology, name);
      let placeholders: readonly [...T];
      try {
        const build = await body(new WatchSession(topology, endpoint, client));
        placeholders = placeholdersOf(batch, build(batch));
        topology.checkSlots([...keys, ...keysOf(batch.commands)], 'WATCH');
      } catch (error) {
        await client.sendCommand(['UNWATCH']);
        throw error;
      }
      const results = await runTransaction(endpoint, client, batch.commands);
      if (results !== WATCH_FAILED) return pick(placeholders, results);
      // Lost the race: back off a little (randomised, growing) so contenders spread out.
      await sleep(Math.random() * Math.min(2 ** attempt, 50));
    }
    throw new WatchConflictError(keys, attempts);
  });
}
