import { expect } from 'chai';
import {
  ConnectionError,
  RateLimiter,
  RedisextError,
  type Connection,
  type ConnectionOptions,
  type LimitOptions,
  type OnError,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, connectionTo, eventually, raw, rejects, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import { runWorkers } from '../support/workers.js';
import type { LimitJob, LimitResult } from './workers/limits.js';

/** Small timeouts, so that every call settles fast while the server is down or frozen. */
const OPTIONS: ConnectionOptions = {
  connectTimeout: 300,
  commandTimeout: 300,
  reconnectAttempts: 2,
};
/** The limits of the policy tests: the shortest emission interval is 250 ms. */
const LIMITS: LimitOptions[] = [
  { rate: 4, per: 1_000 },
  { rate: 100, per: 60_000 },
];

type LimiterClass = new (key?: string) => RateLimiter;

/** A RateLimiter class with {@link LIMITS} and the `onError` policy, on `connection`. */
function limiterOn(connection: typeof Connection, onError: OnError): LimiterClass {
  return class Limits extends RateLimiter {
    static override CONNECTION = connection;
    static override LIMITS = LIMITS;
    static override ON_ERROR = onError;
  };
}

/** The three policies' limiters on one Connection to `server`, connected. */
async function limiters(server: RedisServer): Promise<Record<OnError, RateLimiter>> {
  const Main = connectionTo(server, { options: OPTIONS });
  const key = uniq('limit');
  const all = {
    deny: new (limiterOn(Main, 'deny'))(key),
    allow: new (limiterOn(Main, 'allow'))(key),
    throw: new (limiterOn(Main, 'throw'))(key),
  };
  expect((await all.throw.take()).allowed).to.equal(true); // connected, script loaded
  return all;
}

/** The answer every direct call gives under `'deny'` and `'allow'` when Redis cannot answer. */
function expectFallback(result: Awaited<ReturnType<RateLimiter['take']>>, allowed: boolean): void {
  expect(result).to.deep.include({
    allowed,
    remaining: 0,
    retryAfter: allowed ? 0 : 250,
    resetAfter: 0,
    limit: -1,
  });
  expect(result.error).to.be.instanceOf(ConnectionError);
}

describe('RateLimiter when Redis cannot answer', function () {
  this.timeout(30_000);
  after(() => closeAll());

  describe('a stopped server', () => {
    let server: RedisServer;
    let limit: Record<OnError, RateLimiter>;
    before(async () => {
      server = await spawnServer();
      limit = await limiters(server);
      await server.stop();
    });

    it("'deny' (the default): take and peek answer denied, wait false, each with the error", async () => {
      expect(RateLimiter.ON_ERROR).to.equal('deny');
      expectFallback(await limit.deny.take(), false);
      expectFallback(await limit.deny.peek(2), false);
      expect(await limit.deny.wait({ timeout: 1_000 })).to.equal(false);
    });

    it("'allow': take and peek answer allowed, wait true, each with the error", async () => {
      expectFallback(await limit.allow.take(), true);
      expectFallback(await limit.allow.peek(), true);
      expect(await limit.allow.wait({ timeout: 1_000 })).to.equal(true);
    });

    it("'throw': take, peek and wait reject with the ConnectionError", async () => {
      await rejects(() => limit.throw.take(), ConnectionError);
      await rejects(() => limit.throw.peek(), ConnectionError);
      await rejects(() => limit.throw.wait({ timeout: 1_000 }), ConnectionError);
    });

    it('in a batch the policy does not apply: the batch fails as batches do', async () => {
      const connection = limit.allow.connection;
      await rejects(
        () => connection.pipeline((p) => [limit.allow.in(p).take(), limit.deny.in(p).take()]),
        RedisextError,
      );
    });
  });

  describe('a frozen server (no answer within commandTimeout)', () => {
    let server: RedisServer;
    let limit: Record<OnError, RateLimiter>;
    before(async () => {
      server = await spawnServer();
      limit = await limiters(server);
    });
    after(() => server.stop());

    it('each policy applies to a timed-out call, then the limiter works again', async () => {
      server.signal('SIGSTOP');
      try {
        expectFallback(await limit.deny.take(), false);
        expectFallback(await limit.allow.take(), true);
        await rejects(() => limit.throw.take(), ConnectionError);
      } finally {
        server.signal('SIGCONT');
      }
      // Back once the connection is (re)made: a real answer from Redis again.
      await eventually(async () => (await limit.deny.take()).error === undefined, 10_000);
      expect((await limit.throw.take()).limit).to.equal(0);
    });
  });
});

/** A compiled worker, beside this file's compiled form. */
const workerScript = new URL('./workers/limits.js', import.meta.url);

describe('RateLimiter shared by several processes', function () {
  this.timeout(90_000);
  let server: RedisServer;
  before(async () => {
    server = await spawnServer();
  });
  after(() => server.stop());

  it('4 processes hammering { rate: 50, per: 1000, burst: 50 } admit exactly burst + rate × time', async () => {
    const rate = 50;
    const burst = 50;
    const T = 20_000; // µs per unit
    const key = uniq('shared-limit');
    const job: LimitJob = {
      url: server.url,
      key,
      limits: [{ rate, per: 1_000, burst }],
      ms: 2_500,
      concurrency: 4,
    };
    const { results } = await runWorkers<LimitJob, LimitResult>(workerScript, [job, job, job, job]);
    const admitted = results.reduce((sum, r) => sum + r.allowed, 0);
    const takes = admitted + results.reduce((sum, r) => sum + r.denied, 0);
    // t0: the first take on the key, the earliest of the processes' first takes; tEnd: the last
    // take, the latest of their last ones. Both are known within their TIME brackets (µs).
    const t0 = {
      from: Math.min(...results.map((r) => r.first.before)),
      to: Math.min(...results.map((r) => r.first.after)),
    };
    const tEnd = {
      from: Math.max(...results.map((r) => r.last.before)),
      to: Math.max(...results.map((r) => r.last.after)),
    };
    // GCRA from an empty key: the k-th unit is due at t0 + (k - burst) × T, so by tEnd at most
    // burst + floor((tEnd - t0) / T) can have been admitted: never more (the limit's promise).
    // With takes every fraction of a millisecond, each unit is claimed as soon as it is due, so
    // no fewer either, but for one: a unit due in the last gap between two takes.
    const most = burst + Math.floor((tEnd.to - t0.from) / T);
    const least = burst + Math.floor((tEnd.from - t0.to) / T) - 1;
    expect(admitted, `admitted of ${takes} takes`).to.be.within(least, most);
    // The stored TAT is t0 + admitted × T exactly (the key never went idle): every admission
    // moved it by one interval, and no admission went uncounted or was counted twice.
    const tat = Number(await raw(server, 'GET', key));
    expect(tat - admitted * T).to.be.within(t0.from, t0.to);
    const seconds = (tEnd.to - t0.from) / 1e6;
    console.log(
      `      rate limiter: 4 processes, ${takes} takes in ${seconds.toFixed(2)} s, ` +
        `${admitted} admitted (allowed ${least}..${most}: burst ${burst} + ${rate}/s)`,
    );
  });
});
