/**
 * Queue: a first-in first-out outbox of JSON email jobs on a Redis list: `push` (several jobs in
 * one command), `peek`, `pop` in arrival order, a worker blocked in `pop({ timeout })` woken by
 * the next job, and a blocking pop on the empty queue that gives up after its timeout.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/queue.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Queue, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** An email to send. */
export interface EmailJob {
  id: number;
  to: string;
}

/** What the outbox showed. */
export interface OutboxReport {
  /** The queue's length after each push (the first pushed two jobs at once). */
  lengths: number[];
  /** The oldest job, seen without taking it. */
  oldest: EmailJob | null;
  /** Job ids in the order the worker took them. */
  sent: number[];
  /** The job a waiting worker got when it was pushed 50 ms into the wait. */
  woken: EmailJob | null;
  /** What a 100 ms blocking pop on the empty queue got, and how long it waited (ms). */
  timedOut: EmailJob | null;
  waitedMs: number;
}

/** The example's model on one Connection, under `prefix`. */
export function queueModels(connection: typeof Connection, prefix: string) {
  /** One outbox per channel: the key `<prefix>:outbox:<channel>`, a JSON job per element. */
  class Outbox extends Queue<EmailJob> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = `${prefix}:outbox`;
  }
  return { Outbox };
}

/** Fills and drains an outbox under `prefix`. */
export async function emailOutbox(
  connection: typeof Connection,
  prefix: string,
): Promise<OutboxReport> {
  const { Outbox } = queueModels(connection, prefix);
  const outbox = new Outbox('email');
  const lengths = [
    await outbox.push({ id: 1, to: 'ann@example.com' }, { id: 2, to: 'bob@example.com' }),
    await outbox.push({ id: 3, to: 'cid@example.com' }),
  ];
  const oldest = await outbox.peek();
  const sent: number[] = [];
  for (let job = await outbox.pop(); job !== null; job = await outbox.pop()) sent.push(job.id);
  // A worker waits for the next job on its own connection; a producer pushes one meanwhile.
  const waiting = outbox.pop({ timeout: 5_000 });
  await sleep(50);
  await outbox.push({ id: 4, to: 'dee@example.com' });
  const woken = await waiting;
  // Nothing more comes: the wait ends with null after its timeout.
  const started = performance.now();
  const timedOut = await outbox.pop({ timeout: 100 });
  const waitedMs = Math.round(performance.now() - started);
  return { lengths, oldest, sent, woken, timedOut, waitedMs };
}

runExample(import.meta.url, (main) => emailOutbox(main, `example:${Date.now()}`));
