import { setTimeout as sleep } from 'node:timers/promises';
import type { Router } from '../connection/router.js';
import { CommandError, ConnectionError, WatchConflictError } from '../errors.js';
import { Batch, type BatchResults, type Queued } from './batch.js';
import { runPipeline, runTransaction, WATCH_FAILED } from './execute.js';
import { WatchSession } from './watch.js';

/** What a pipeline or transaction callback returns: the placeholders whose results it wants. */
export type BatchBuilder<T extends readonly Queued<unknown>[]> = (batch: Batch) => readonly [...T];

/** Options of `Connection.pipeline`. */
export interface PipelineOptions {
  /** Send a read-only batch to the master instead of a replica. */
  fromMaster?: boolean;
}

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

function replicaFailed(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    (error instanceof CommandError && /^(MASTERDOWN|LOADING)$/.test(error.code))
  );
}

/** @internal the body of `Connection.pipeline`. */
export async function pipeline<T extends readonly Queued<unknown>[]>(
  router: Router,
  name: string,
  build: BatchBuilder<T>,
  options: PipelineOptions = {},
): Promise<BatchResults<T>> {
  const batch = new Batch(router, name);
  const placeholders = build(batch);
  const endpoint = router.endpointFor(batch.writes, options.fromMaster);
  let results: unknown[];
  try {
    results = await runPipeline(endpoint, batch.commands);
  } catch (error) {
    if (endpoint === router.master || !replicaFailed(error)) throw error;
    endpoint.downUntil = Date.now() + endpoint.options.replicaRetryAfter;
    results = await runPipeline(router.master, batch.commands);
  }
  return pick(placeholders, results);
}

/** @internal the body of `Connection.transaction`. */
export async function transaction<T extends readonly Queued<unknown>[]>(
  router: Router,
  name: string,
  build: BatchBuilder<T>,
): Promise<BatchResults<T>> {
  const batch = new Batch(router, name);
  const placeholders = build(batch);
  if (batch.commands.length === 0) return pick(placeholders, []);
  const endpoint = router.master;
  const results = await endpoint.use((client) => runTransaction(endpoint, client, batch.commands));
  if (results === WATCH_FAILED) throw new Error('unexpected WATCH failure without WATCH');
  return pick(placeholders, results);
}

/** @internal the body of `Connection.watch`. */
export async function watch<T extends readonly Queued<unknown>[]>(
  router: Router,
  name: string,
  keys: readonly string[],
  body: (tx: WatchSession) => BatchBuilder<T> | Promise<BatchBuilder<T>>,
  options: WatchOptions = {},
): Promise<BatchResults<T>> {
  const attempts = options.attempts ?? 10;
  const endpoint = router.master;
  return endpoint.blocking(async (client) => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await client.sendCommand(['WATCH', ...keys]);
      let build: BatchBuilder<T>;
      try {
        build = await body(new WatchSession(router, endpoint, client));
      } catch (error) {
        await client.sendCommand(['UNWATCH']);
        throw error;
      }
      const batch = new Batch(router, name);
      let placeholders: readonly [...T];
      try {
        placeholders = build(batch);
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
