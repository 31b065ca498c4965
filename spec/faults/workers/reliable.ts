import { Connection, ReliableQueue, serializer } from '../../../src/index.js';

/**
 * A ReliableQueue worker process for spec/faults/reliable-queue.spec.ts: runs `process()` on the
 * queue named in argv, and reports each message it handled to the parent (before the ack, so a
 * kill between the two shows up as a duplicate) until the parent sends `stop`.
 */

/** What the parent passes in argv[2]. */
export interface ReliableJob {
  readonly url: string;
  readonly key: string;
  readonly concurrency: number;
  readonly visibility: number;
}

/** What the worker sends to the parent. */
export type ReliableReport =
  | { type: 'ready' }
  | { type: 'handled'; n: number }
  | { type: 'error'; message: string }
  | { type: 'done' };

const job = JSON.parse(process.argv[2]) as ReliableJob;

class Main extends Connection {
  static override MASTER = job.url;
}
class Jobs extends ReliableQueue<{ n: number }> {
  static override CONNECTION = Main;
  static override SERIALIZER = serializer.JSON;
  static override BACKOFF = { type: 'fixed' as const, delay: 0 };
}

const send = (message: ReliableReport): Promise<void> =>
  new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));

const stop = new AbortController();
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') stop.abort();
});

void (async () => {
  try {
    await new Jobs(job.key).stats(); // connected
    await send({ type: 'ready' });
    await new Jobs(job.key).process(
      async (value) => {
        await send({ type: 'handled', n: value.n });
        // Between the report and the ack: where a kill makes a duplicate.
        await new Promise((resolve) => setTimeout(resolve, 1));
      },
      {
        concurrency: job.concurrency,
        visibility: job.visibility,
        signal: stop.signal,
        onError: (error) => void send({ type: 'error', message: error.message }),
      },
    );
    await Main.close();
    await send({ type: 'done' });
    process.exit(0);
  } catch (error) {
    await send({ type: 'error', message: `fatal: ${String(error)}` });
    process.exit(1);
  }
})();
