import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchServer } from '../server.js';
import { check } from '../types.js';
import {
  checkDrained,
  chunks,
  CONCURRENCY,
  connectionTo,
  makeJobs,
  queueModels,
  Tally,
  workerSignal,
} from './jobs.js';

/**
 * The ReliableQueue memory workload (`rq-memory`): what the server keeps after many messages
 * went through a queue. It reads `used_memory` (`INFO memory`), runs a `process()` worker
 * (concurrency 10) while a producer pushes the messages (`pushMany` of 1,000 at a time, so the
 * worker keeps waiting for pushes and being woken), waits until every message was handled and
 * acked, then reads `used_memory` again, its Connection still open.
 *
 * @module
 */

/** The Connection's client name (`CLIENT LIST`). */
const NAME = 'bench-rq-memory';

/** What the ReliableQueue memory workload measured. */
export interface RqMemoryResult {
  /** Messages pushed, handled and acked. */
  readonly messages: number;
  /** Messages per second, pushes and handling overlapping. */
  readonly rate: number;
  /** The server's `used_memory` before the run, bytes (the queue's Connection open). */
  readonly before: number;
  /** `used_memory` after the last ack, bytes. */
  readonly after: number;
  /** after - before. */
  readonly delta: number;
  /** Most `used_memory` seen (sampled every 50 ms during the run), bytes. */
  readonly peak: number;
  /** Keys left by the queue after the run, with `MEMORY USAGE` (bytes) of each. */
  readonly leftovers: Record<string, number>;
  /** Connections the queue's Connection class held at the end (`CLIENT LIST`). */
  readonly connections: number;
}

async function usedMemory(server: BenchServer): Promise<number> {
  const info = String(await server.inspector.sendCommand(['INFO', 'memory']));
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

/** Pushes `messages` through a ReliableQueue with a worker running; see the module comment. */
export async function rqMemory(server: BenchServer, messages: number): Promise<RqMemoryResult> {
  const connection = connectionTo(server.url, NAME);
  const { Jobs } = queueModels(connection);
  const label = `rq-memory`;
  const queue = new Jobs('rq-memory');
  await server.clean();
  try {
    await connection.client();
    const before = await usedMemory(server);
    let peak = before;
    const tally = new Tally(messages);
    const stop = new AbortController();
    const signal = workerSignal(stop);
    const failures: Error[] = [];
    const start = performance.now();
    let end = start;
    const worker = queue.process(
      async (job) => {
        if (tally.add(job.n)) stop.abort();
      },
      { concurrency: CONCURRENCY, signal, onError: (e) => failures.push(e) },
    );
    const sampler = (async () => {
      while (!signal.aborted) {
        peak = Math.max(peak, await usedMemory(server));
        await sleep(50);
      }
    })();
    try {
      for (const batch of chunks(makeJobs(messages))) await queue.pushMany(batch);
      await worker;
      end = performance.now();
    } finally {
      stop.abort(); // ends the sampler (and the worker, when a push failed)
      await sampler;
    }
    const seconds = (end - start) / 1000;
    const after = await usedMemory(server);
    tally.check(label, false);
    check(failures.length === 0, () => `${label}: ${failures[0]?.message}`);
    await checkDrained(server, queue.key, label);
    const leftovers: Record<string, number> = {};
    for (const key of await server.keys('*bench:rq-memory*')) {
      leftovers[key] = Number(await server.inspector.sendCommand(['MEMORY', 'USAGE', key]));
    }
    return {
      messages,
      rate: messages / seconds,
      before,
      after,
      delta: after - before,
      peak,
      leftovers,
      connections: await server.clientsNamed(NAME),
    };
  } finally {
    await connection.close();
    await server.clean();
  }
}
