import type { ParentMessage, WorkerMessage } from '../../support/workers.js';

/**
 * The worker side of `spec/support/workers.ts`: reads the job from `argv[2]`, runs `setup`
 * (connect, warm up), reports ready, waits for the parent's `go`, runs `work`, sends the result
 * (or the error) and exits.
 */
export function worker<J, S, R>(
  setup: (job: J) => Promise<S>,
  work: (state: S, job: J) => Promise<R>,
): void {
  const send = (message: WorkerMessage): Promise<void> =>
    new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
  const go = new Promise<void>((resolve) => {
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'go') resolve();
    });
  });
  const job = JSON.parse(process.argv[2]) as J;
  void (async () => {
    try {
      const state = await setup(job);
      await send({ type: 'ready' });
      await go;
      const result = await work(state, job);
      await send({ type: 'result', result });
      process.exit(0);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      await send({ type: 'error', message });
      process.exit(1);
    }
  })();
}

/** The system-wide monotonic clock (CLOCK_MONOTONIC on Linux: one clock for every process), ns. */
export function now(): string {
  return process.hrtime.bigint().toString();
}
