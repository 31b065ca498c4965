import { expect } from 'chai';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import { runWorkers } from '../support/workers.js';
import type { CounterJob, CounterResult } from './workers/counter.js';
import type { Hold, LockJob, LockResult } from './workers/locks.js';
import type { PopJob, PopKind, PopResult } from './workers/pops.js';

/** A compiled worker, beside this file's compiled form. */
const workerScript = (name: string): URL => new URL(`./workers/${name}.js`, import.meta.url);

/** `n` per second over `ms` milliseconds, rounded. */
const perSecond = (n: number, ms: number): number => Math.round((n * 1000) / ms);

/** 0, 1, ..., n - 1. */
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Many processes on one server: separate Node processes (forked workers), started together,
 * whose results the spec counts. Each test bounds its run by count and by time.
 */
describe('many processes on one server', function () {
  this.timeout(90_000);
  let server: RedisServer;

  before(async () => {
    server = await spawnServer();
  });
  after(async () => {
    await closeAll();
    await server.stop();
  });

  it('8 processes × 5,000 increments: the counter is exact, each value returned once', async () => {
    const processes = 8;
    const increments = 5_000;
    const key = uniq('hits');
    const job: CounterJob = { url: server.url, key, increments, concurrency: 16, batch: 5 };
    const { results, ms } = await runWorkers<CounterJob, CounterResult>(
      workerScript('counter'),
      Array.from({ length: processes }, () => job),
    );
    const total = processes * increments;
    expect(Number(await raw(server, 'GET', key))).to.equal(total);
    const values: number[] = [];
    for (const result of results) {
      const mine = [...result.direct, ...result.pipelines.flat(), ...result.transactions.flat()];
      expect(mine, 'increments of one process').to.have.length(increments);
      values.push(...mine);
      expect(result.pipelines.length + result.transactions.length).to.be.above(0);
      for (const batch of result.transactions) {
        // MULTI/EXEC: nothing of the other processes ran in between.
        expect(batch, 'a transaction').to.deep.equal(batch.map((_, i) => batch[0] + i));
      }
    }
    // INCRBY returned each value 1..total exactly once, over all the processes.
    expect(values.sort((a, b) => a - b)).to.deep.equal(range(total).map((i) => i + 1));
    console.log(
      `      counter: ${processes} processes × ${increments} increments in ${Math.round(ms)} ms ` +
        `(${perSecond(total, ms)} increments/s; direct, pipelines and transactions of 5)`,
    );
  });

  for (const kind of ['queue', 'pool', 'priority'] as const) {
    it(`${kind}: 20,000 items pushed and popped by 4 processes, each popped exactly once`, async () => {
      await popOnce(kind);
    });
  }

  async function popOnce(kind: PopKind): Promise<void> {
    const processes = 4;
    const perProcess = 5_000;
    const key = uniq(kind);
    const doneKey = uniq('done');
    const jobs = range(processes).map((index): PopJob => ({
      url: server.url,
      kind,
      key,
      doneKey,
      producers: processes,
      index,
      perProcess,
      chunk: 50,
    }));
    const { results, ms } = await runWorkers<PopJob, PopResult>(workerScript('pops'), jobs);
    const total = processes * perProcess;
    const popped = results.flatMap((result) => result.loops.flat());
    const seen = new Set(popped);
    const duplicates = popped.length - seen.size;
    const missing = range(total).filter((item) => !seen.has(item));
    expect(duplicates, 'items popped twice').to.equal(0);
    expect(missing, 'items never popped').to.deep.equal([]);
    expect(popped).to.have.length(total);
    expect(Number(await raw(server, 'EXISTS', key)), 'items left over').to.equal(0);
    expect(Number(await raw(server, 'GET', doneKey))).to.equal(processes);
    if (kind !== 'pool') {
      // One loop pops one item after the other: it gets each producer's items in push order
      // (the Queue is FIFO; the priority is the item's rank within its producer).
      for (const loop of results.flatMap((result) => result.loops)) {
        const last = new Map<number, number>();
        for (const item of loop) {
          const producer = Math.floor(item / perProcess);
          expect(item, `order of producer ${producer}`).to.be.above(last.get(producer) ?? -1);
          last.set(producer, item);
        }
      }
    }
    const shares = results.map((result) => result.loops.map((loop) => loop.length).join('+'));
    console.log(
      `      ${kind}: ${total} items through ${processes} processes in ${Math.round(ms)} ms ` +
        `(${perSecond(total, ms)} items/s pushed and popped); popped per process ` +
        `(pop() + ${kind === 'pool' ? 'popMany(16)' : 'pop({ timeout })'}): ${shares.join(', ')}`,
    );
  }

  it('4 processes × 250 Lock acquisitions: no two holds overlap, fences strictly increase', async () => {
    const processes = 4;
    const acquisitions = 250;
    const key = uniq('lock');
    const sharedKey = uniq('shared');
    const job: LockJob = {
      url: server.url,
      key,
      sharedKey,
      acquisitions,
      ttl: 10_000,
      wait: 30_000,
    };
    const { results, ms } = await runWorkers<LockJob, LockResult>(
      workerScript('locks'),
      Array.from({ length: processes }, () => job),
    );
    const total = processes * acquisitions;
    const holds: Array<{ fence: number; start: bigint; end: bigint; how: Hold[3] }> = results
      .flatMap((result) => result.holds)
      .map(([fence, start, end, how]) => ({ fence, start: BigInt(start), end: BigInt(end), how }));
    expect(holds).to.have.length(total);
    for (const result of results) expect(result.holds).to.have.length(acquisitions);
    // Each acquisition drew the next fencing token: 1..total, none twice.
    expect(holds.map((h) => h.fence).sort((a, b) => a - b)).to.deep.equal(
      range(total).map((i) => i + 1),
    );
    expect(Number(await raw(server, 'GET', `{${key}}:fence`))).to.equal(total);
    // On one clock (the system-wide monotonic clock of every process): in the order the holds
    // started, each ended before the next started, and the fences strictly increase.
    holds.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    let overlaps = 0;
    let disordered = 0;
    let closest = Infinity;
    for (let i = 1; i < holds.length; i++) {
      const gap = holds[i].start - holds[i - 1].end;
      if (gap <= 0n) overlaps += 1;
      else closest = Math.min(closest, Number(gap));
      if (holds[i].fence <= holds[i - 1].fence) disordered += 1;
    }
    expect(overlaps, 'overlapping holds').to.equal(0);
    expect(disordered, 'fences out of the order of the holds').to.equal(0);
    // The read-modify-write under the lock lost no update.
    expect(Number(await raw(server, 'GET', sharedKey))).to.equal(total);
    console.log(
      `      lock: ${processes} processes × ${acquisitions} acquisitions (using() and ` +
        `acquire({ wait })/release() alternately) in ${Math.round(ms)} ms ` +
        `(${perSecond(total, ms)} acquisitions/s); 0 overlaps; closest holds ` +
        `${(closest / 1000).toFixed(1)} µs apart`,
    );
  });
});
