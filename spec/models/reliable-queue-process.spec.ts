import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryLostError, type Connection } from '../../src/index.js';
import { uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology } from '../support/targets.js';
import { jobsOn, leftovers } from '../support/reliable-queue.js';

onEachTopology('ReliableQueue.process', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  it('runs handlers up to `concurrency` at once and acks each that resolves', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.pushMany(Array.from({ length: 50 }, (_, n) => ({ n })));
    const stop = new AbortController();
    const seen = new Set<number>();
    let running = 0;
    let most = 0;
    const worker = q.process(
      async (job) => {
        running += 1;
        most = Math.max(most, running);
        await sleep(5);
        seen.add(job.n);
        running -= 1;
        if (seen.size === 50) stop.abort();
      },
      { concurrency: 4, signal: stop.signal },
    );
    await worker;
    expect(seen.size).to.equal(50);
    expect(most).to.equal(4);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
    expect(await leftovers(target(), q.key)).to.equal(0);
  });

  it('a handler that throws nacks with its error: retried, then dead-lettered', async () => {
    const q = new (jobsOn(Main, { ATTEMPTS: 3 }))(uniq('rq'));
    const id = await q.push({ n: 1 });
    const stop = new AbortController();
    const attempts: number[] = [];
    await q.process(
      (_job, delivery) => {
        attempts.push(delivery.attempt);
        if (attempts.length === 3) setTimeout(() => stop.abort(), 50);
        throw new TypeError(`failed ${delivery.attempt}`);
      },
      { signal: stop.signal },
    );
    expect(attempts).to.deep.equal([1, 2, 3]);
    const [dead] = await q.deadLetters.items();
    expect(dead).to.deep.include({ id, attempts: 3, error: 'TypeError: failed 3' });
  });

  it('renews a delivery while its handler runs past the visibility', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    const stop = new AbortController();
    let stolen: unknown = 'not checked';
    await q.process(
      async () => {
        await sleep(700);
        stolen = await q.pop(); // another consumer finds nothing: still in flight
        stop.abort();
      },
      { visibility: 200, signal: stop.signal },
    );
    expect(stolen).to.equal(null);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
  });

  it('shutdown: takes nothing more, lets handlers finish within `grace`, hands the others back at once', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.pushMany([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const stop = new AbortController();
    const lost: unknown[] = [];
    let started = 0;
    const worker = q.process(
      async (job, delivery) => {
        started += 1;
        if (job.n === 1) return sleep(50); // finishes within the grace period
        const { signal } = delivery;
        await new Promise((resolve) => signal.addEventListener('abort', resolve)); // hangs
        lost.push(signal.reason);
      },
      { concurrency: 2, signal: stop.signal, grace: 300 },
    );
    while (started < 2) await sleep(5);
    const aborted = performance.now();
    stop.abort();
    await worker;
    expect(performance.now() - aborted).to.be.within(250, 1500);
    expect(started).to.equal(2);
    await sleep(10);
    expect(lost).to.have.length(1);
    expect(lost[0]).to.be.instanceOf(DeliveryLostError);
    // Back at once (not after its visibility), first in line, the attempt not counted.
    expect(await q.stats()).to.deep.equal({ waiting: 2, delayed: 0, inflight: 0, dead: 0 });
    const next = (await q.pop())!;
    expect([next.value.n, next.attempt]).to.deep.equal([2, 1]);
  });

  it('waits without polling while its handlers run and the queue is empty', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.pushMany([{ n: 1 }, { n: 2 }]);
    const stop = new AbortController();
    let started = 0;
    const scripts = async (): Promise<number> =>
      (await commandCalls(target(), 'evalsha', 'eval')).reduce((a, b) => a + b, 0);
    let during = 0;
    const worker = q.process(
      async () => {
        started += 1;
        await sleep(1500);
      },
      { concurrency: 4, signal: stop.signal },
    );
    while (started < 2) await sleep(5);
    const before = await scripts();
    await sleep(1000);
    during = (await scripts()) - before;
    stop.abort();
    await worker;
    expect(during, 'scripts while idle').to.be.at.most(2);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
  });

  it('resolves at once when its signal is already aborted, taking nothing', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    await q.process(() => expect.fail('no message may be taken'), {
      signal: AbortSignal.abort(),
    });
    expect((await q.stats()).waiting).to.equal(1);
  });
});
