import { expect } from 'chai';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Connection } from '../../src/index.js';
import { Semaphore } from '../../src/models/semaphore/semaphore.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, connectionTo, eventually, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import { runWorkers } from '../support/workers.js';
import type { ContendResult, HolderReport, SemaphoreJob } from './workers/semaphores.js';

/**
 * The Semaphore with real processes: workers contending for weighted permits never hold more
 * than the permits at once (on one clock), and a SIGKILLed holder or waiter holds nobody up for
 * longer than its lease or its patience.
 */

const WORKER = new URL('./workers/semaphores.js', import.meta.url);

/** The system-wide monotonic clock, ns (the workers' `now()`). */
const nowNs = (): bigint => process.hrtime.bigint();

/** A forked holder (`hold` / `wait` mode), and what it reported. */
interface Holder {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly held: Promise<{ fence: number; sent: bigint }>;
  readonly exited: Promise<void>;
}

function startHolder(job: SemaphoreJob): Holder {
  const child = fork(fileURLToPath(WORKER), [JSON.stringify(job)], {
    execArgv: [],
    stdio: 'inherit',
  });
  let ready!: () => void;
  let held!: (value: { fence: number; sent: bigint }) => void;
  let failed!: (error: Error) => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const isHeld = new Promise<{ fence: number; sent: bigint }>((resolve, reject) => {
    held = resolve;
    failed = reject;
  });
  isHeld.catch(() => undefined); // a waiter killed while waiting never holds
  child.on('message', (message: HolderReport) => {
    if (message.type === 'ready') ready();
    else if (message.type === 'held') held({ fence: message.fence, sent: BigInt(message.sent) });
    else failed(new Error(`holder failed: ${message.message}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => failed(new Error('holder exited')));
  return { child, ready: isReady, held: isHeld, exited };
}

describe('Semaphore with worker processes (contention, SIGKILLed holders and waiters)', function () {
  this.timeout(90_000);
  let server: RedisServer;
  let Main: typeof Connection;
  const children: ChildProcess[] = [];
  before(async () => {
    server = await spawnServer();
    Main = connectionTo(server);
  });
  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  after(async () => {
    await closeAll();
    await server.stop();
  });

  /** A Semaphore class of `permits` on the spec's connection. */
  const slotsOf = (permits: number): new (key: string) => Semaphore =>
    class extends Semaphore {
      static override CONNECTION = Main;
      static override PERMITS = permits;
    };

  /** Starts a holder worker the afterEach hook kills if the test did not. */
  const holder = (job: SemaphoreJob): Holder => {
    const started = startHolder(job);
    children.push(started.child);
    return started;
  };

  it('4 processes × 150 acquisitions of weight 1..2 on 3 permits: never more than 3 held at once', async () => {
    const processes = 4;
    const acquisitions = 150;
    const permits = 3;
    const key = uniq('sem');
    const job: SemaphoreJob = {
      mode: 'contend',
      url: server.url,
      key,
      permits,
      acquisitions,
      maxWeight: 2,
      ttl: 10_000,
      wait: 30_000,
    };
    const { results, ms } = await runWorkers<SemaphoreJob, ContendResult>(
      WORKER,
      Array.from({ length: processes }, () => job),
    );
    const total = processes * acquisitions;
    const holds = results.flatMap((result, worker) =>
      result.holds.map(([fence, weight, start, end]) => ({
        worker,
        fence,
        weight,
        start: BigInt(start),
        end: BigInt(end),
      })),
    );
    expect(holds).to.have.length(total);
    // Each grant drew the next fencing token: 1..total, none twice.
    expect(holds.map((h) => h.fence).sort((a, b) => a - b)).to.deep.equal(
      Array.from({ length: total }, (_, i) => i + 1),
    );
    // In each worker, the holds come one after the other, and so do their fences.
    for (const result of results) {
      for (let i = 1; i < result.holds.length; i++) {
        expect(result.holds[i][0], 'fences in grant order').to.be.above(result.holds[i - 1][0]);
      }
    }
    // On one clock (every process's monotonic clock is the system's): sweep the holds' starts
    // and ends in time order (an end before a start at the same instant); the weight held
    // never goes above the permits. Each hold was recorded inside its lease (after the grant,
    // before the release), so an excess here is an excess of the leases.
    const events = holds.flatMap((h) => [
      { at: h.start, delta: h.weight },
      { at: h.end, delta: -h.weight },
    ]);
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.delta - b.delta));
    let held = 0;
    let peak = 0;
    for (const event of events) {
      held += event.delta;
      peak = Math.max(peak, held);
    }
    expect(peak, 'weight held at once').to.be.at.most(permits);
    expect(held).to.equal(0);
    expect(await new (slotsOf(permits))(key).stats()).to.include({ used: 0, waiting: 0 });
    expect(Number(await raw(server, 'EXISTS', key))).to.equal(0);
    console.log(
      `      semaphore: ${processes} processes × ${acquisitions} acquisitions (weights 1..2 of ` +
        `${permits} permits) in ${Math.round(ms)} ms; peak weight held at once ${peak}`,
    );
  });

  it('a SIGKILLed holder: its permits come back when its lease expires, to the waiter queued for them', async () => {
    const key = uniq('sem');
    const ttl = 1500;
    const slots = new (slotsOf(3))(key);
    const victim = holder({ mode: 'hold', url: server.url, key, permits: 3, weight: 2, ttl });
    const { fence, sent } = await victim.held;
    expect(await slots.available()).to.equal(1);
    const waiting = slots.acquire({ weight: 2, wait: 10_000 });
    await eventually(async () => (await slots.waiting()) === 1);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const lease = await waiting;
    const granted = nowNs();
    expect(lease, 'granted once the lease expired').to.not.equal(null);
    expect(lease!.fence).to.be.above(fence);
    const after = Number(granted - sent) / 1e6;
    // Not before the dead holder's lease expired (its ttl from when it asked; 10 ms of slack
    // between the server's clock and this one), nor long after (a waiter blocks until the
    // earliest lease's expiry).
    expect(after, 'ms from the dead holder asking to the grant').to.be.at.least(ttl - 10);
    expect(after).to.be.below(ttl + 1500);
    expect(await lease!.release()).to.equal(true);
    expect(await slots.stats()).to.include({ used: 0, waiting: 0, holders: 0 });
  });

  it('a SIGKILLed waiter at the head of the queue holds the next one up for its patience at most', async () => {
    const key = uniq('sem');
    const slots = new (slotsOf(1))(key);
    const held = (await slots.acquire({ ttl: 30_000 }))!;
    const victim = holder({ mode: 'wait', url: server.url, key, permits: 1, weight: 1, ttl: 5000 });
    await victim.ready;
    await eventually(async () => (await slots.waiting()) === 1);
    const next = new (slotsOf(1))(key).acquire({ wait: 15_000 });
    await eventually(async () => (await slots.waiting()) === 2);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const released = nowNs();
    expect(await held.release()).to.equal(true);
    // The dead waiter heads the queue: nobody overtakes it until its patience (3 s since its
    // last attempt) runs out; then the next waiter is granted.
    const lease = await next;
    const waited = Number(nowNs() - released) / 1e6;
    expect(lease).to.not.equal(null);
    expect(waited, 'ms the dead waiter held the queue up').to.be.below(3000 + 1500);
    expect(await slots.waiting()).to.equal(0);
    expect(await lease!.release()).to.equal(true);
  });
});
