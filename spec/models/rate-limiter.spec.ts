import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ArgumentError,
  ConfigError,
  model,
  RateLimiter,
  WrongTypeError,
  type Connection,
  type LimitOptions,
  type OnError,
} from '../../src/index.js';
import { rejects, uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology, type Target } from '../support/targets.js';

type LimiterClass = (new (key?: string) => RateLimiter) & {
  readonly connection: typeof Connection;
};

/** A RateLimiter class with `limits` on a Connection class of its own. */
function limiterOn(
  target: Target,
  limits: readonly LimitOptions[] | undefined,
  onError?: OnError,
  connection: typeof Connection = target.connection(),
): LimiterClass {
  return class Limits extends RateLimiter {
    static override CONNECTION = connection;
    static override LIMITS = limits;
    static override ON_ERROR: OnError = onError ?? 'deny';
    static readonly connection = connection;
  };
}

/** The server's clock, µs (every node of the test cluster runs on this machine's clock). */
async function serverMicros(target: Target): Promise<number> {
  const [seconds, micros] = (await target.raw('TIME')) as [string, string];
  return Number(seconds) * 1e6 + Number(micros);
}

/** How many scripts (EVALSHA and EVAL) the masters have run so far. */
async function scriptCalls(target: Target): Promise<number> {
  return (await commandCalls(target, 'evalsha', 'eval')).reduce((sum, n) => sum + n, 0);
}

onEachTopology('RateLimiter', (target) => {
  // Every test starts on an empty script cache (as after a restart or a failover).
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  describe('take', () => {
    it('allows a burst of N, denies the next with retryAfter = per/rate, then exactly one more', async () => {
      const Limits = limiterOn(target(), [{ rate: 5, per: 1_000, burst: 5 }]); // T = 200 ms
      const limit = new Limits(uniq());
      const started = performance.now();
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await limit.take());
      expect(taken.map((r) => r.allowed)).to.deep.equal([true, true, true, true, true]);
      expect(taken.map((r) => r.remaining)).to.deep.equal([4, 3, 2, 1, 0]);
      expect(taken.every((r) => r.retryAfter === 0 && r.limit === 0)).to.equal(true);
      const denied = await limit.take();
      const elapsed = performance.now() - started;
      expect(denied).to.deep.include({ allowed: false, remaining: 0, limit: 0 });
      // The first take was at most `elapsed` ms ago: one unit comes back 200 ms after it.
      expect(denied.retryAfter).to.be.within(Math.floor(200 - elapsed) - 1, 200);
      await sleep(denied.retryAfter);
      expect((await limit.take()).allowed, 'one unit back after retryAfter').to.equal(true);
      const next = await limit.take();
      expect(next.allowed, 'only one').to.equal(false);
      expect(next.retryAfter).to.be.within(1, 200);
    });

    it('a cost > 1 consumes that many units; a cost the limit lacks is denied and takes none', async () => {
      const Limits = limiterOn(target(), [{ rate: 10, per: 10_000 }]); // burst 10, T = 1 s
      const limit = new Limits(uniq());
      expect(await limit.take(3)).to.deep.include({ allowed: true, remaining: 7, retryAfter: 0 });
      const before = await target().raw('GET', limit.key);
      const denied = await limit.take(8);
      expect(denied).to.deep.include({ allowed: false, remaining: 7 });
      expect(denied.retryAfter).to.be.within(900, 1_000); // one more unit is missing
      expect(await target().raw('GET', limit.key)).to.equal(before);
      expect(await limit.take(7)).to.deep.include({ allowed: true, remaining: 0 });
      expect((await limit.take(1)).allowed).to.equal(false);
    });

    it('answers exactly for bursts over 2^21 and resets over 2^32 ms (beyond the short reply)', async () => {
      // The script's common reply packs remaining and resetAfter into one integer; these values
      // do not fit it and must come whole.
      const day = 86_400_000;
      const Big = limiterOn(target(), [{ rate: 3_000_000, per: 60_000 }]); // T = 20 µs
      expect(await new Big(uniq()).take(5)).to.deep.equal({
        allowed: true,
        remaining: 2_999_995,
        retryAfter: 0,
        resetAfter: 1,
        limit: 0,
      });
      const Slow = limiterOn(target(), [{ rate: 2, per: 200 * day }]); // T = 100 days
      expect(await new Slow(uniq()).take()).to.deep.equal({
        allowed: true,
        remaining: 1,
        retryAfter: 0,
        resetAfter: 100 * day,
        limit: 0,
      });
      const Short = limiterOn(target(), [{ rate: 4, per: 1_000 }]);
      expect(await new Short(uniq()).take(3)).to.deep.equal({
        allowed: true,
        remaining: 1,
        retryAfter: 0,
        resetAfter: 750,
        limit: 0,
      });
    });

    it('stores one string of TATs in µs of the server clock, expiring when full again', async () => {
      const Limits = limiterOn(target(), [
        { rate: 10, per: 1_000, burst: 20 },
        { rate: 1_000, per: 3_600_000 },
      ]);
      const limit = new Limits(uniq());
      const from = await serverMicros(target());
      const first = await limit.take();
      const to = await serverMicros(target());
      // remaining: the fewest units left (limit 0: 19 of 20; limit 1: 999 of 1000).
      expect(first).to.deep.include({ allowed: true, remaining: 19, retryAfter: 0, limit: 0 });
      // Full again when limit 1 (T = 3.6 s) has its unit back.
      expect(first.resetAfter).to.equal(3_600);
      const value = String(await target().raw('GET', limit.key));
      expect(value).to.match(/^\d+ \d+$/);
      const [tat0, tat1] = value.split(' ').map(Number);
      expect(tat0 - 100_000).to.be.within(from, to); // now + T, T = 100 ms
      expect(tat1 - 3_600_000).to.be.within(from, to); // now + T, T = 3.6 s
      const pttl = Number(await target().raw('PTTL', limit.key));
      expect(pttl).to.be.within(3_600 - (to - from) / 1000 - 5, 3_600);
      for (let i = 0; i < 4; i++) await limit.take();
      const fifth = await limit.take();
      expect(fifth.remaining).to.be.within(14, 15); // 15 if a unit came back meanwhile
      expect(fifth.resetAfter).to.be.within(3_600 * 6 - 1_000, 3_600 * 6);
    });

    it('the key vanishes once every limit is full again; the next take starts afresh', async () => {
      const Limits = limiterOn(target(), [{ rate: 10, per: 1_000, burst: 3 }]); // T = 100 ms
      const limit = new Limits(uniq());
      await limit.take();
      const second = await limit.take();
      expect(second.resetAfter).to.be.within(150, 200);
      await sleep(second.resetAfter + 20);
      expect(await target().raw('EXISTS', limit.key)).to.equal(0);
      expect(await limit.take()).to.deep.include({ allowed: true, remaining: 2 });
    });

    it('several limits: all are consumed together, or none (the denied take writes nothing)', async () => {
      const Limits = limiterOn(target(), [
        { rate: 100, per: 60_000 }, // 100 a minute
        { rate: 3, per: 60_000 }, // 3 a minute
      ]);
      const limit = new Limits(uniq());
      for (let i = 0; i < 3; i++) expect((await limit.take()).allowed).to.equal(true);
      const value = await target().raw('GET', limit.key);
      const peeked = await limit.peek();
      const denied = await limit.take();
      expect(denied).to.deep.include({ allowed: false, remaining: 0, limit: 1 });
      expect(denied.retryAfter).to.be.within(19_000, 20_000); // a unit of limit 1 per 20 s
      expect(await target().raw('GET', limit.key), 'limit 0 untouched').to.equal(value);
      expect((await limit.peek()).remaining).to.equal(peeked.remaining);
      // Limit 0 alone (the first TAT, read by a class with only that limit): 97 left, 96 after
      // the take a peek tries.
      const First = limiterOn(target(), [{ rate: 100, per: 60_000 }]);
      expect((await new First(limit.key).peek()).remaining).to.equal(96);
    });

    it('a limit that denies decides; a take denied by the first limit writes nothing either', async () => {
      const Limits = limiterOn(target(), [
        { rate: 1, per: 60_000, burst: 2 },
        { rate: 100, per: 1_000 },
      ]);
      const limit = new Limits(uniq());
      await limit.take(2);
      const value = await target().raw('GET', limit.key);
      expect(await limit.take()).to.deep.include({ allowed: false, limit: 0 });
      expect(await target().raw('GET', limit.key)).to.equal(value);
    });

    it('a missing or unparsable entry counts as no history; another Redis type rejects', async () => {
      const Limits = limiterOn(target(), [{ rate: 5, per: 1_000 }], 'allow');
      const limit = new Limits(uniq());
      await target().raw('SET', limit.key, 'garbage');
      expect(await limit.take()).to.deep.include({ allowed: true, remaining: 4 });
      await target().raw('DEL', limit.key);
      await target().raw('RPUSH', limit.key, 'x');
      // A bug to see, not an outage: rejects even with ON_ERROR 'allow'.
      await rejects(() => limit.take(), WrongTypeError);
    });

    it('works over RESP2 and through fromMaster()', async () => {
      const Limits = limiterOn(
        target(),
        [{ rate: 2, per: 1_000 }],
        'throw',
        target().connection({ protocol: 2 }),
      );
      const limit = new Limits(uniq());
      expect(await limit.take()).to.deep.include({ allowed: true, remaining: 1, limit: 0 });
      expect(await limit.fromMaster().take()).to.deep.include({ allowed: true, remaining: 0 });
      expect(await limit.fromMaster().peek()).to.deep.include({ allowed: false, remaining: 0 });
    });
  });

  describe('peek / reset', () => {
    it('peek answers what take would, without taking anything', async () => {
      const Limits = limiterOn(target(), [{ rate: 2, per: 10_000 }]);
      const limit = new Limits(uniq());
      for (let i = 0; i < 3; i++) {
        expect(await limit.peek()).to.deep.include({ allowed: true, remaining: 1, retryAfter: 0 });
      }
      expect(await target().raw('EXISTS', limit.key)).to.equal(0);
      expect(await limit.peek(2)).to.deep.include({ allowed: true, remaining: 0 });
      await limit.take(2);
      const value = await target().raw('GET', limit.key);
      const peeked = await limit.peek();
      expect(peeked).to.deep.include({ allowed: false, remaining: 0 });
      expect(peeked.retryAfter).to.be.within(4_000, 5_000);
      expect(await target().raw('GET', limit.key)).to.equal(value);
    });

    it('reset forgets the history (DEL)', async () => {
      const Limits = limiterOn(target(), [{ rate: 1, per: 60_000 }]);
      const limit = new Limits(uniq());
      await limit.take();
      expect((await limit.take()).allowed).to.equal(false);
      expect(await limit.reset()).to.equal(true);
      expect(await target().raw('EXISTS', limit.key)).to.equal(0);
      expect(await limit.take()).to.deep.include({ allowed: true, remaining: 0 });
      expect(await limit.reset()).to.equal(true);
      expect(await limit.reset()).to.equal(false);
    });
  });

  describe('batches', () => {
    it('takes for many ids in one pipeline: one script call each, each id its own answer', async () => {
      const Limits = limiterOn(target(), [{ rate: 2, per: 60_000 }]);
      const limits = Array.from({ length: 20 }, () => new Limits(uniq()));
      for (const limit of limits.filter((_, i) => i % 2 === 0)) await limit.take(2);
      const calls = await scriptCalls(target());
      const results = await Limits.connection.pipeline((p) => limits.map((l) => l.in(p).take()));
      expect(await scriptCalls(target())).to.equal(calls + limits.length);
      results.forEach((result, i) => {
        expect(result, `id ${i}`).to.deep.include(
          i % 2 === 0 ? { allowed: false, remaining: 0 } : { allowed: true, remaining: 1 },
        );
      });
    });

    it('calls issued together with mixed costs, modes and limits each answer as if alone', async () => {
      // On one connection the calls of a tick run as one merged script call, where the script
      // keeps its arguments parsed per argument list: a call must never see another's.
      const connection = target().connection();
      const Small = limiterOn(target(), [{ rate: 5, per: 3_600_000 }], 'deny', connection);
      const Pair = limiterOn(
        target(),
        [
          { rate: 3, per: 3_600_000 },
          { rate: 9, per: 3_600_000, burst: 4 },
        ],
        'deny',
        connection,
      );
      const [a, b] = [new Small(uniq()), new Pair(uniq())];
      const steps: Array<[RateLimiter, 'take' | 'peek', number]> = [
        [a, 'take', 1],
        [a, 'take', 1],
        [b, 'take', 2],
        [a, 'take', 2],
        [a, 'peek', 1],
        [b, 'take', 2],
        [b, 'take', 1],
        [a, 'take', 2],
        [b, 'peek', 1],
        [a, 'take', 1],
      ];
      const together = await Promise.all(steps.map(([l, mode, cost]) => l[mode](cost)));
      await Promise.all([a.reset(), b.reset()]);
      const alone = [];
      for (const [l, mode, cost] of steps) alone.push(await l[mode](cost));
      const shape = (r: { allowed: boolean; remaining: number; limit: number }) =>
        [r.allowed, r.remaining, r.limit].join(' ');
      expect(together.map(shape)).to.deep.equal(alone.map(shape));
      expect(alone.map(shape)).to.deep.equal([
        'true 4 0',
        'true 3 0',
        'true 1 0',
        'true 1 0',
        'true 0 0',
        'false 1 0',
        'true 0 0',
        'false 1 0',
        'false 0 0',
        'true 0 0',
      ]);
    });

    it('take, peek and reset queue into a transaction; wait refuses synchronously', async () => {
      const Limits = limiterOn(target(), [{ rate: 3, per: 60_000 }]);
      const limit = new Limits(uniq());
      const [taken, peeked, reset, again] = await Limits.connection.transaction((t) => [
        limit.in(t).take(2),
        limit.in(t).peek(),
        limit.in(t).reset(),
        limit.in(t).take(),
      ]);
      expect(taken).to.deep.include({ allowed: true, remaining: 1 });
      expect(peeked).to.deep.include({ allowed: true, remaining: 0 });
      expect(reset).to.equal(true);
      expect(again).to.deep.include({ allowed: true, remaining: 2 });
      await Limits.connection.pipeline((p) => {
        // @ts-expect-error -- cannot run in a batch: refused by the types too
        expect(() => limit.in(p).wait()).to.throw(ConfigError, /pipeline/);
        return [];
      });
    });
  });

  describe('wait', () => {
    it('sleeps until the units come (≈ retryAfter), then has taken them', async () => {
      const Limits = limiterOn(target(), [{ rate: 5, per: 1_000, burst: 1 }]); // T = 200 ms
      const limit = new Limits(uniq());
      const sent = performance.now();
      await limit.take();
      const taken = performance.now();
      expect(await limit.wait({ timeout: 1_000 })).to.equal(true);
      const waited = performance.now() - taken;
      // Due 200 ms after the take, which the server ran between `sent` and `taken`.
      expect(waited).to.be.within(200 - (taken - sent) - 1, 200 + 60);
      expect((await limit.take()).allowed, 'the wait took the unit').to.equal(false);
    });

    it('waiters get successive slots, none early', async () => {
      const Limits = limiterOn(target(), [{ rate: 10, per: 1_000, burst: 1 }]); // T = 100 ms
      const limit = new Limits(uniq());
      const sent = performance.now();
      await limit.take();
      const taken = performance.now();
      const ends = await Promise.all(
        Array.from({ length: 4 }, () =>
          limit.wait({ timeout: 2_000 }).then((ok) => (ok ? performance.now() - taken : -1)),
        ),
      );
      ends.sort((a, b) => a - b);
      ends.forEach((end, i) =>
        expect(end).to.be.within((i + 1) * 100 - (taken - sent) - 1, (i + 1) * 100 + 100),
      );
    });

    it('resolves false at once when the units cannot come within the timeout, taking nothing', async () => {
      const Limits = limiterOn(target(), [{ rate: 1, per: 10_000 }]); // T = 10 s
      const limit = new Limits(uniq());
      expect(await limit.wait(), 'timeout 0: allowed now').to.equal(true);
      const value = await target().raw('GET', limit.key);
      const started = performance.now();
      expect(await limit.wait({ timeout: 5_000 })).to.equal(false);
      expect(performance.now() - started, 'did not wait for the timeout').to.be.below(5_000);
      expect(await limit.wait()).to.equal(false);
      expect(await target().raw('GET', limit.key)).to.equal(value);
    });

    it('an abort rejects with the reason and gives the reserved units back', async () => {
      const Limits = limiterOn(target(), [{ rate: 1, per: 300, burst: 1 }]); // T = 300 ms
      const limit = new Limits(uniq());
      const first = await limit.take();
      const value = await target().raw('GET', limit.key);
      const controller = new AbortController();
      const reason = new Error('stop');
      const pending = limit.wait({ timeout: 2_000, signal: controller.signal });
      await sleep(50);
      controller.abort(reason);
      expect(await rejects(() => pending, Error)).to.equal(reason);
      expect(await target().raw('GET', limit.key), 'refunded').to.equal(value);
      await sleep(first.resetAfter);
      expect((await limit.take()).allowed, 'the slot the wait had reserved').to.equal(true);
    });

    it('an aborted signal rejects with its reason before anything is sent', async () => {
      const Limits = limiterOn(target(), [{ rate: 1, per: 300 }]);
      const limit = new Limits(uniq());
      const reason = new Error('already');
      const calls = await scriptCalls(target());
      expect(
        await rejects(() => limit.wait({ signal: AbortSignal.abort(reason) }), Error),
      ).to.equal(reason);
      expect(await scriptCalls(target())).to.equal(calls);
    });
  });

  describe('configuration and arguments', () => {
    it('takes its configuration from @model({ limits, onError })', async () => {
      const connection = target().connection();
      // What `@model({...}) class Decorated extends RateLimiter {}` does.
      class Decorated extends RateLimiter {}
      model({ connection, limits: [{ rate: 0.5, per: 1_000 }], onError: 'throw' })(Decorated);
      expect(Decorated.ON_ERROR).to.equal('throw');
      const limit = new Decorated(uniq());
      // A fractional rate: burst 1, one unit every 2 s.
      expect(await limit.take()).to.deep.include({
        allowed: true,
        remaining: 0,
        resetAfter: 2_000,
      });
    });

    it('bad LIMITS or ON_ERROR: a ConfigError naming the model and key, nothing sent', async () => {
      const bad: unknown[] = [
        undefined,
        [],
        'x',
        [{ rate: 0, per: 1_000 }],
        [{ rate: Infinity, per: 1_000 }],
        [{ rate: 1, per: -1 }],
        [{ rate: 1, per: NaN }],
        [{ rate: 1, per: 1_000, burst: 1.5 }],
        [{ rate: 1, per: 1_000, burst: 0 }],
        [{ rate: 1, per: 1_000, window: 5 }],
        [{ rate: 2_000, per: 1 }],
        [null],
      ];
      const calls = await scriptCalls(target());
      for (const limits of bad) {
        const Limits = limiterOn(target(), limits as LimitOptions[]);
        const limit = new Limits('cfg');
        expect(() => limit.take(), JSON.stringify(limits)).to.throw(ConfigError, /Limits "cfg"/);
      }
      const Wrong = limiterOn(target(), [{ rate: 1, per: 1_000 }], 'ignore' as OnError);
      expect(() => new Wrong('cfg').peek()).to.throw(ConfigError, /ON_ERROR/);
      expect(await scriptCalls(target())).to.equal(calls);
    });

    it('bad costs and wait options: an ArgumentError, synchronously, nothing sent', async () => {
      const Limits = limiterOn(target(), [
        { rate: 10, per: 1_000, burst: 5 },
        { rate: 100, per: 1_000 },
      ]);
      const limit = new Limits(uniq());
      const calls = await scriptCalls(target());
      for (const cost of [0, -1, 1.5, NaN, Infinity, '1', null]) {
        expect(() => limit.take(cost as number), String(cost)).to.throw(ArgumentError, /cost/);
        expect(() => limit.peek(cost as number)).to.throw(ArgumentError, /cost/);
      }
      expect(() => limit.take(6)).to.throw(ArgumentError, /never be allowed.*smallest burst is 5/);
      const waits: unknown[] = [
        5_000,
        { timeout: -1 },
        { timeout: 1.5 },
        { timeout: '5' },
        { tiemout: 5 },
        { signal: 'x' },
        { cost: 6 },
      ];
      for (const options of waits) {
        expect(() => limit.wait(options as never), JSON.stringify(options)).to.throw(ArgumentError);
      }
      expect(await scriptCalls(target())).to.equal(calls);
    });
  });
});
