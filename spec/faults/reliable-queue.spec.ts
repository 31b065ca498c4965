import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CommandError,
  ConnectionError,
  DeliveryLostError,
  type Connection,
} from '../../src/index.js';
import { startServer, type RedisServer } from '../../tools/redis-server.js';
import { closeAll, connectionTo, eventually, uniq } from '../support/helpers.js';
import { jobsOn } from '../support/reliable-queue.js';
import type { ReliableJob, ReliableReport } from './workers/reliable.js';

/**
 * ReliableQueue under faults, with real processes: a worker SIGKILLed mid-run loses nothing;
 * `process()` goes on by itself across a server restart; pops against a frozen server settle
 * within their bound.
 */

const WORKER = fileURLToPath(new URL('./workers/reliable.js', import.meta.url));

/** A forked worker process and what it reported. */
interface Worker {
  readonly child: ChildProcess;
  readonly handled: number[];
  readonly errors: string[];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

function startWorker(job: ReliableJob): Worker {
  const child = fork(WORKER, [JSON.stringify(job)], { execArgv: [], stdio: 'inherit' });
  const handled: number[] = [];
  const errors: string[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (message: ReliableReport) => {
    if (message.type === 'ready') ready();
    else if (message.type === 'handled') handled.push(message.n);
    else if (message.type === 'error') errors.push(message.message);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, handled, errors, ready: isReady, exited };
}

describe('ReliableQueue under faults (worker processes, restarts, a frozen server)', function () {
  this.timeout(120_000);
  let server: RedisServer;
  let Main: typeof Connection;
  before(async () => {
    server = await startServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    Main = connectionTo(server, { options: { commandTimeout: 500 } });
  });
  after(async () => {
    await closeAll();
    await server?.stop();
  });

  it('10,000 messages, 4 worker processes, one SIGKILLed mid-run and replaced: none lost, duplicates only from the killed one', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const total = 10_000;
    for (let first = 0; first < total; first += 1000) {
      await q.pushMany(Array.from({ length: 1000 }, (_, i) => ({ n: first + i })));
    }
    const job: ReliableJob = { url: server.url, key: q.key, concurrency: 10, visibility: 1000 };
    const workers = Array.from({ length: 4 }, () => startWorker(job));
    await Promise.all(workers.map((w) => w.ready));
    const handledBy = (): number => workers.reduce((sum, w) => sum + w.handled.length, 0);
    await eventually(() => handledBy() >= 2500, 60_000);
    const victim = workers[0];
    victim.child.kill('SIGKILL');
    await victim.exited;
    const killedHandled = new Set(victim.handled);
    workers.push(startWorker(job));
    await eventually(async () => {
      const stats = await q.stats();
      return stats.waiting + stats.delayed + stats.inflight === 0;
    }, 60_000);
    for (const w of workers.slice(1)) w.child.send({ type: 'stop' });
    await Promise.all(workers.slice(1).map((w) => w.exited));

    const counts = new Map<number, number>();
    for (const w of workers) for (const n of w.handled) counts.set(n, (counts.get(n) ?? 0) + 1);
    const lost = Array.from({ length: total }, (_, n) => n).filter((n) => !counts.has(n));
    const duplicates = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    // What a worker holds at most: `concurrency` running, as many taken ahead, and the finished
    // ones whose acks wait for its next cycle.
    const held = 3 * job.concurrency;
    console.log(
      `      killed worker had handled ${victim.handled.length}; lost ${lost.length}, ` +
        `duplicates ${duplicates.length} (bound: what it held, at most ${held})`,
    );
    expect(lost).to.deep.equal([]);
    expect(duplicates.length).to.be.at.most(held);
    for (const n of duplicates) expect(killedHandled.has(n), `duplicate ${n}`).to.equal(true);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
    expect(workers.slice(1).flatMap((w) => w.errors)).to.deep.equal([]);
  });

  it('process() resumes by itself after a server restart; nothing acked is lost (appendonly)', async () => {
    const Jobs = jobsOn(Main);
    const q = new Jobs(uniq('rq'));
    const stop = new AbortController();
    const handled = new Set<number>();
    const failures: Error[] = [];
    const worker = q.process(
      async (job) => {
        handled.add(job.n);
      },
      { concurrency: 4, visibility: 2000, signal: stop.signal, onError: (e) => failures.push(e) },
    );
    await q.pushMany(Array.from({ length: 100 }, (_, n) => ({ n })));
    await eventually(() => handled.size === 100, 10_000);
    await server.restart();
    const pushed = await (async () => {
      for (;;) {
        try {
          return await q.pushMany(Array.from({ length: 100 }, (_, i) => ({ n: 100 + i })));
        } catch (error) {
          if (!(error instanceof ConnectionError)) throw error;
          await sleep(50);
        }
      }
    })();
    expect(pushed).to.have.length(100);
    await eventually(() => handled.size === 200, 20_000).catch((error: Error) => {
      throw new Error(
        `${error.message}: handled ${handled.size}; ${failures.map(String).join('; ')}`,
      );
    });
    stop.abort();
    await worker;
    // Lost connections, a restarted server still reading its AOF back (LOADING), and an ack
    // retried after the restart once its delivery's visibility (2 s) had ended: the message went
    // back to the queue and was handled again (at least once), which the error reports.
    for (const failure of failures) {
      const passing =
        failure instanceof ConnectionError ||
        failure instanceof DeliveryLostError ||
        (failure instanceof CommandError && failure.code === 'LOADING');
      expect(passing, String(failure)).to.equal(true);
    }
    await eventually(async () => (await q.stats()).inflight === 0, 5000);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
  });

  it('a waiting pop against a frozen server settles within its timeout plus commandTimeout', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.stats();
    server.signal('SIGSTOP');
    try {
      const started = performance.now();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 4 }, () => q.pop({ timeout: 500 })),
      );
      const took = performance.now() - started;
      console.log(`      4 pops of timeout 500 ms settled in ${Math.round(took)} ms`);
      for (const outcome of outcomes) {
        expect(outcome.status).to.equal('rejected');
        expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionError);
      }
      expect(took).to.be.below(500 + 500 + 600);
    } finally {
      server.signal('SIGCONT');
    }
    await eventually(async () => (await q.stats().catch(() => null)) !== null, 10_000);
  });
});
