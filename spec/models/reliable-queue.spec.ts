import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ArgumentError,
  ConfigError,
  Delivery,
  EncodeError,
  ReplicationError,
  ReliableQueue,
  type Connection,
} from '../../src/index.js';
import { partitionKeys } from '../../src/models/reliable-queue/layout.js';
import { jobsOn, leftovers, type Job } from '../support/reliable-queue.js';
import { rejects, uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology } from '../support/targets.js';

onEachTopology('ReliableQueue', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });
  // Every test starts on an empty script cache (as after a restart or a failover).
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  it('push() returns an id; pop() delivers it (attempt 1); ack() removes every trace', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const id = await q.push({ n: 1 });
    expect(id)
      .to.be.a('string')
      .and.match(/^[\w-]+$/);
    expect(await q.stats()).to.deep.equal({ waiting: 1, delayed: 0, inflight: 0, dead: 0 });
    const d = await q.pop();
    expect(d).to.be.instanceOf(Delivery);
    expect([d!.id, d!.value, d!.attempt]).to.deep.equal([id, { n: 1 }, 1]);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 1, dead: 0 });
    expect(await q.pop()).to.equal(null);
    expect(await d!.ack()).to.equal(true);
    expect(await d!.ack()).to.equal(false);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
    expect(await leftovers(target(), q.key)).to.equal(0);
  });

  it('pops in push order (FIFO)', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    await q.pushMany([{ n: 2 }, { n: 3 }]);
    const values = [];
    for (let i = 0; i < 3; i++) values.push((await q.pop())!.value.n);
    expect(values).to.deep.equal([1, 2, 3]);
  });

  it('a push with an id the queue holds adds nothing and returns the same id', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    expect(await q.push({ n: 1 }, { id: 'order-42' })).to.equal('order-42');
    expect(await q.push({ n: 2 }, { id: 'order-42' })).to.equal('order-42');
    expect((await q.stats()).waiting).to.equal(1);
    const d = (await q.pop())!;
    expect(d.value).to.deep.equal({ n: 1 });
    expect(await q.push({ n: 3 }, { id: 'order-42' })).to.equal('order-42'); // in flight: held
    expect((await q.stats()).waiting).to.equal(0);
    await d.ack();
    await q.push({ n: 4 }, { id: 'order-42' }); // gone after its ack: a new message
    expect((await q.pop())!.value).to.deep.equal({ n: 4 });
  });

  it('a delivery not acked within its visibility comes back with attempt 2; the old ack is refused', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    const first = (await q.pop({ visibility: 100 }))!;
    expect(await q.pop()).to.equal(null);
    await sleep(150);
    const second = (await q.pop({ visibility: 5000 }))!;
    expect([second.id, second.attempt]).to.deep.equal([first.id, 2]);
    expect(await first.ack()).to.equal(false);
    expect(await first.extend(1000)).to.equal(false);
    expect(await first.nack()).to.equal(false);
    expect((await q.stats()).inflight).to.equal(1); // the second delivery untouched
    expect(await second.ack()).to.equal(true);
  });

  it('extend() keeps a delivery past its first visibility', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    const d = (await q.pop({ visibility: 150 }))!;
    expect(await d.extend(3000)).to.equal(true);
    expect(d.visibility).to.equal(3000);
    await sleep(250);
    expect(await q.pop()).to.equal(null);
    expect(await d.ack()).to.equal(true);
  });

  it('nack() sends it back (after its delay), then to the dead letters with the last error; retry and purge', async () => {
    const q = new (jobsOn(Main, { ATTEMPTS: 2 }))(uniq('rq'));
    const id = await q.push({ n: 7 });
    const first = (await q.pop())!;
    expect(await first.nack({ delay: 300, error: 'smtp 451' })).to.equal(true);
    expect(await q.stats()).to.deep.include({ waiting: 0, delayed: 1 });
    expect(await q.pop(), 'not before its delay').to.equal(null);
    const started = performance.now();
    const second = (await q.pop({ timeout: 3000 }))!;
    expect(performance.now() - started).to.be.within(150, 1500);
    expect(second.attempt).to.equal(2);
    expect(await second.nack({ error: new Error('smtp 550') })).to.equal(true);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 1 });
    const [dead] = await q.deadLetters.items();
    expect(dead).to.deep.include({ id, error: 'Error: smtp 550', attempts: 2 });
    expect(dead.value).to.deep.equal({ n: 7 });
    expect(dead.died).to.be.instanceOf(Date);
    expect(await q.deadLetters.retry(id)).to.equal(1);
    const again = (await q.pop())!;
    expect([again.id, again.attempt]).to.deep.equal([id, 1]);
    expect(await again.nack({ retry: false, error: 'bad address' })).to.equal(true);
    expect((await q.deadLetters.items())[0]).to.deep.include({ error: 'bad address', attempts: 1 });
    expect(await q.deadLetters.purge()).to.equal(1);
    expect(await leftovers(target(), q.key)).to.equal(0);
  });

  it('nack() without a delay waits the backoff: exponential from BACKOFF.delay', async () => {
    const q = new (jobsOn(Main, { BACKOFF: { type: 'exponential', delay: 200 } }))(uniq('rq'));
    await q.push({ n: 1 });
    for (const [attempt, backoff] of [
      [1, 200],
      [2, 400],
    ]) {
      const d = (await q.pop())!;
      expect(d.attempt).to.equal(attempt);
      const nacked = performance.now();
      await d.nack({ error: 'again' });
      expect(await q.pop(), 'not before the backoff').to.equal(null);
      const next = (await q.pop({ timeout: 3000 }))!;
      const waited = performance.now() - nacked;
      expect(waited).to.be.at.least(backoff - 5);
      expect(waited, 'liveness').to.be.below(backoff + 1000);
      await next.release();
    }
  });

  it('dead letters beyond DEAD_LETTER_LIMIT: the oldest are dropped, nothing of them is left', async () => {
    const q = new (jobsOn(Main, { ATTEMPTS: 1, DEAD_LETTER_LIMIT: 2 }))(uniq('rq'));
    for (let n = 0; n < 3; n++) {
      await q.push({ n }, { id: `m${n}` });
      await (await q.pop())!.nack({ error: `e${n}` });
      await sleep(2); // distinct times of death
    }
    const dead = await q.deadLetters.items();
    expect(dead.map((d) => [d.id, d.error])).to.deep.equal([
      ['m1', 'e1'],
      ['m2', 'e2'],
    ]);
    expect(await q.deadLetters.purge('m1')).to.equal(1);
    expect(await q.deadLetters.purge('m1')).to.equal(0);
    expect(await q.deadLetters.purge()).to.equal(1);
    expect(await leftovers(target(), q.key)).to.equal(0);
  });

  it('a delivery whose last attempt expires moves to the dead letters', async () => {
    const q = new (jobsOn(Main, { ATTEMPTS: 1 }))(uniq('rq'));
    await q.push({ n: 1 });
    await q.pop({ visibility: 50 });
    await sleep(100);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 1 });
    const [dead] = await q.deadLetters.items();
    expect(dead.error).to.match(/visibility timeout expired on attempt 1/);
  });

  it('delayed pushes are never delivered early, and a waiting consumer gets them on time', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const due = new Map<number, number>(); // n -> earliest time it may come (client clock)
    const total = 100;
    for (let n = 0; n < total; n++) {
      const delay = 100 + ((n * 37) % 500); // 100..599 ms, spread
      due.set(n, performance.now() + delay);
      await q.push({ n }, { delay });
    }
    const late: number[] = [];
    // Nothing is due yet, unless pushing took longer than the shortest delay (a loaded machine).
    const early = await q.pop();
    if (early !== null) {
      late.push(performance.now() - due.get(early.value.n)!);
      await early.ack();
    }
    const stop = new AbortController();
    for await (const d of q.consume({ signal: stop.signal, timeout: 3000 })) {
      late.push(performance.now() - due.get(d.value.n)!);
      await d.ack();
      if (late.length === total) stop.abort();
    }
    expect(late).to.have.length(total);
    late.sort((a, b) => a - b);
    const [median, p99] = [late[total / 2], late[Math.ceil(total * 0.99) - 1]];
    console.log(
      `      delayed delivery lateness (${total}): median ${median.toFixed(1)} ms, p99 ` +
        `${p99.toFixed(1)} ms, max ${late[total - 1].toFixed(1)} ms`,
    );
    expect(late[0], 'never early').to.be.at.least(0);
    expect(late[total - 1], 'liveness').to.be.below(1000);
  });

  it('a waiting pop wakes on a push, without polling the server meanwhile', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const before = (await commandCalls(target(), 'evalsha', 'eval')).reduce((a, b) => a + b, 0);
    const popped = q.pop({ timeout: 10_000 });
    await sleep(1500);
    const during = (await commandCalls(target(), 'evalsha', 'eval')).reduce((a, b) => a + b, 0);
    expect(during - before, 'scripts run while waiting').to.be.at.most(2);
    const Other = jobsOn(target().connection());
    const pushed = performance.now();
    await new Other(q.key).push({ n: 9 });
    const d = (await popped)!;
    expect(d.value).to.deep.equal({ n: 9 });
    expect(performance.now() - pushed).to.be.below(500);
  });

  it('pop({ timeout }) resolves null after it; an abort rejects with the reason', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const started = performance.now();
    expect(await q.pop({ timeout: 200 })).to.equal(null);
    expect(performance.now() - started).to.be.within(190, 1500);
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stop')), 100);
    await rejects(() => q.pop({ timeout: 5000, signal: stop.signal }), Error, /stop/);
  });

  it('push, ack, nack, extend and stats queue into a pipeline; pop refuses synchronously', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    await q.push({ n: 2 });
    const [a, b] = [(await q.pop())!, (await q.pop())!];
    const results = await Main.pipeline((batch) => {
      const inBatch = q.in(batch);
      return [
        inBatch.push({ n: 3 }),
        inBatch.ack(a),
        inBatch.nack(b, { delay: 0 }),
        inBatch.stats(),
      ];
    });
    expect(results.slice(1)).to.deep.equal([
      true,
      true,
      { waiting: 2, delayed: 0, inflight: 0, dead: 0 },
    ]);
    await Main.pipeline((batch) => {
      const inBatch = q.in(batch) as unknown as ReliableQueue<Job>;
      expect(() => inBatch.pop()).to.throw(ConfigError, /pipeline or transaction/);
      expect(() => inBatch.process(() => undefined)).to.throw(ConfigError);
      return [q.in(batch).stats()];
    });
  });

  it('bad input is refused with typed errors naming the model and key; nothing is written', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    expect(() => q.push(undefined as never)).to.throw(EncodeError, /Jobs/);
    expect(() => q.push({ n: 1 }, { delay: -1 })).to.throw(ArgumentError, /delay/);
    expect(() => q.push({ n: 1 }, { id: '' })).to.throw(ArgumentError, /id/);
    expect(() => q.push({ n: 1 }, 5 as never)).to.throw(ArgumentError);
    expect(() => q.pop({ visibility: 0 })).to.throw(ArgumentError, /visibility/);
    expect(() => q.ack({} as never)).to.throw(ArgumentError, /Delivery/);
    expect(() => q.process('x' as never)).to.throw(ArgumentError, /handler/);
    expect(() => new (jobsOn(Main, { VISIBILITY: 0 }))('x').push({ n: 1 })).to.throw(
      ConfigError,
      /Jobs.*VISIBILITY/,
    );
    expect(() => new (jobsOn(Main, { PARTITIONS: 1.5 }))('x').stats()).to.throw(ConfigError);
    expect(await leftovers(target(), q.key)).to.equal(0);
  });

  it('DURABLE: push and ack wait for replicas; none here, so they reject with ReplicationError, applied', async () => {
    const q = new (jobsOn(Main, { DURABLE: { replicas: 1, timeout: 50 } }))(uniq('rq'));
    const error = await rejects(() => q.push({ n: 1 }, { id: 'a' }), ReplicationError);
    expect(error.message).to.match(/0 of 1 replicas/);
    const d = (await q.pop())!; // the push was applied on the master
    expect(d.id).to.equal('a');
    await rejects(() => d.ack(), ReplicationError);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
    const results = await Main.pipeline((batch) => [q.in(batch).push({ n: 2 })]); // no WAIT
    expect(results).to.have.length(1);
  });

  it('a payload the serializer cannot decode goes to the dead letters with the reason', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const [ready, , , data] = partitionKeys(q.key, 0).all;
    await target().raw('HSET', data, 'bad', '{not json');
    await target().raw('LPUSH', ready, 'bad');
    await q.push({ n: 1 });
    const d = (await q.pop())!;
    expect(d.value).to.deep.equal({ n: 1 });
    const [dead] = await q.deadLetters.items();
    expect(dead).to.deep.include({ id: 'bad', value: undefined, raw: '{not json' });
    expect(dead.error).to.match(/cannot decode/);
  });

  it('consume() yields deliveries as they come and ends when the signal aborts', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    const stop = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const d of q.consume({ signal: stop.signal })) {
        seen.push(d.value.n);
        await d.ack();
        if (seen.length === 3) stop.abort();
      }
    })();
    for (let n = 0; n < 3; n++) {
      await q.push({ n });
      await sleep(20);
    }
    await loop;
    expect(seen).to.deep.equal([0, 1, 2]);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
  });

  it('delete() removes the queue in every state', async () => {
    const q = new (jobsOn(Main))(uniq('rq'));
    await q.push({ n: 1 });
    await q.push({ n: 2 }, { delay: 60_000 });
    await q.pop();
    expect(await q.delete()).to.equal(true);
    expect(await q.stats()).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 0 });
    expect(await q.delete()).to.equal(false);
  });

  it('partitions: every message once, across partitions in their own slots; ids stay idempotent', async () => {
    const q = new (jobsOn(Main, { PARTITIONS: 3 }))(uniq('rq'));
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => q.push({ n })));
    expect(await q.push({ n: 99 }, { id: ids[0] })).to.equal(ids[0]);
    expect(await q.push({ n: 1 }, { id: 'same' })).to.equal('same');
    expect(await q.push({ n: 2 }, { id: 'same' })).to.equal('same');
    expect((await q.stats()).waiting).to.equal(31);
    for (let p = 0; p < 3; p++) {
      expect(Number(await target().raw('LLEN', partitionKeys(q.key, p).all[0]))).to.be.above(0);
    }
    const seen = new Set<string>();
    for (;;) {
      const d = await q.pop();
      if (d === null) break;
      expect(seen.has(d.id)).to.equal(false);
      seen.add(d.id);
      await d.ack();
    }
    expect(seen.size).to.equal(31);
    expect(await leftovers(target(), q.key, 3)).to.equal(0);
  });
});
