import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/**
 * Worker processes for the fault suite: real Node processes (compiled spec files forked with an
 * IPC channel), started together and counted by the spec.
 *
 * The protocol (the worker side is `spec/faults/workers/ipc.ts`): the job goes as JSON in
 * `argv[2]`; the worker connects and sends `{ type: 'ready' }`; once every worker is ready the
 * parent sends `{ type: 'go' }` to all of them at once (so process start-up is not part of the
 * measured run); each worker answers `{ type: 'result', result }` or `{ type: 'error', message }`
 * and exits.
 */

/** What a worker sends to the parent. */
export type WorkerMessage =
  { type: 'ready' } | { type: 'result'; result: unknown } | { type: 'error'; message: string };

/** What the parent sends to a worker. */
export type ParentMessage = { type: 'go' };

/** The outcome of {@link runWorkers}. */
export interface WorkerRun<R> {
  /** Each worker's result, in the order of the jobs. */
  readonly results: R[];
  /** Milliseconds from `go` to the last result. */
  readonly ms: number;
}

/** Options of {@link runWorkers}. */
export interface RunOptions {
  /** Bound on the whole run (start-up included); the workers are killed after it. Default 60 s. */
  timeoutMs?: number;
}

/** One forked worker, with what it wrote on stderr (for failure messages). */
interface Running {
  readonly child: ChildProcess;
  readonly label: string;
  stderr: string;
}

/**
 * Forks one process per job running `script` (a compiled worker: `new URL('./workers/x.js',
 * import.meta.url)`), waits until all are ready, starts them together and collects their results.
 * Rejects (and kills the workers it started) when one fails, exits without a result, or the run
 * exceeds `timeoutMs`.
 */
export async function runWorkers<J, R>(
  script: URL,
  jobs: readonly J[],
  options: RunOptions = {},
): Promise<WorkerRun<R>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const path = fileURLToPath(script);
  const running: Running[] = jobs.map((job, index) => {
    const child = fork(path, [JSON.stringify(job)], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const worker: Running = { child, label: `worker ${index} (pid ${child.pid})`, stderr: '' };
    child.stderr?.on('data', (chunk: Buffer) => (worker.stderr += chunk.toString()));
    return worker;
  });
  const results: R[] = new Array<R>(jobs.length);
  let ready = 0;
  let finished = 0;
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`workers did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      running.forEach((worker, index) => {
        let answered = false;
        worker.child.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') {
            ready += 1;
            if (ready === running.length) {
              started = performance.now();
              for (const other of running) other.child.send({ type: 'go' } satisfies ParentMessage);
            }
          } else if (message.type === 'result') {
            answered = true;
            results[index] = message.result as R;
            finished += 1;
            if (finished === running.length) resolve(performance.now() - started);
          } else {
            answered = true;
            reject(new Error(`${worker.label} failed: ${message.message}\n${worker.stderr}`));
          }
        });
        worker.child.on('error', (error) => reject(error));
        worker.child.on('exit', (code, signal) => {
          if (!answered) {
            const how = signal ?? `code ${code}`;
            reject(new Error(`${worker.label} exited (${how}) without a result\n${worker.stderr}`));
          }
        });
      });
    });
    // A worker exits right after sending its result.
    const exits = Promise.all(running.map((worker) => exited(worker.child))).then(() => 'exited');
    const late = sleep(10_000, 'late', { ref: false });
    if ((await Promise.race([exits, late])) === 'late') {
      throw new Error('a worker did not exit within 10 s of its result');
    }
    return { results, ms };
  } finally {
    clearTimeout(timer);
    for (const { child } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

/** Resolves when the child has exited (at once if it has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
