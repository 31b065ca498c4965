import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgumentError, ConfigError, WrongTypeError } from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import {
  LeaseLostError,
  SemaphoreError,
  SemaphoreNotAcquiredError,
} from '../../src/models/semaphore/errors.js';
import { Lease } from '../../src/models/semaphore/lease.js';
import { Semaphore } from '../../src/models/semaphore/semaphore.js';
import { eventually, rejects, uniq } from '../support/helpers.js';
import { type SemaphoreClass, semaphoreOn } from '../support/semaphores.js';
import { commandCalls, onEachTopology } from '../support/targets.js';

/** Resolves with the signal's reason once it aborts; rejects if it does not within `ms`. */
function aborted(signal: AbortSignal, ms = 5000): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`signal not aborted within ${ms} ms`)), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(signal.reason);
    });
  });
}

onEachTopology('Semaphore', (target) => {
  let Slots: SemaphoreClass;
  before(() => {
    Slots = semaphoreOn(target());
  });
  // Every test starts on an empty script cache (as after a restart or a failover), so no earlier
  // test's loading hides a path that must load the scripts itself.
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  /** The side key `suffix` of the semaphore at `key` (no hash tag of its own). */
  const side = (key: string, suffix: string): string => `{${key}}:${suffix}`;
  /** How many waiters the queue holds, as the server sees it. */
  const queued = async (key: string): Promise<number> =>
    Number(await target().raw('ZCARD', side(key, 'queue')));
  /** The server's clock, ms (every node runs on this machine's clock). */
  const serverMs = async (): Promise<number> => {
    const [seconds, micros] = (await target().rawAll('TIME'))[0] as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  /** Resolves once the queue holds `n` waiters. */
  const untilQueued = (key: string, n: number): Promise<void> =>
    eventually(async () => (await queued(key)) === n, 5000);

  describe('acquire / release / extend', () => {
    it('acquire() holds a lease until its deadline on the server clock; release() frees it', async () => {
      const slots = new Slots(uniq());
      expect(slots.permits).to.equal(3);
      expect(await slots.available()).to.equal(3);
      const before = await serverMs();
      const lease = await slots.acquire({ ttl: 5000 });
      expect(lease).to.be.instanceOf(Lease);
      expect([lease!.weight, lease!.ttl, lease!.held()]).to.deep.equal([1, 5000, true]);
      expect(lease!.fence).to.equal(1);
      // The lease's member alone: below 32 permits, no mark (see semaphore-holders.spec.ts).
      expect(await target().raw('ZRANGE', slots.key, '0', '-1')).to.deep.equal([
        `1:${lease!.token}`,
      ]);
      expect(lease!.token).to.match(/^[0-9a-f]{32}:[0-9a-z]+$/);
      const deadline = Number(await target().raw('ZSCORE', slots.key, `1:${lease!.token}`));
      expect(deadline).to.be.within(before + 5000, before + 6000);
      expect(Number(await target().raw('PTTL', slots.key))).to.be.within(5000, 7000);
      expect(await slots.available()).to.equal(2);
      expect(await slots.stats()).to.deep.equal({
        permits: 3,
        used: 1,
        available: 2,
        holders: 1,
        waiting: 0,
      });

      expect(await lease!.release()).to.equal(true);
      expect(lease!.held()).to.equal(false);
      expect(await lease!.release()).to.equal(false);
      expect(await lease!.extend()).to.equal(false);
      expect(await slots.available()).to.equal(3);
      // Nothing is left but the fencing counter, which never expires.
      for (const key of [slots.key, side(slots.key, 'state'), side(slots.key, 'queue')]) {
        expect(await target().raw('EXISTS', key), key).to.equal(0);
      }
      expect(await target().raw('GET', side(slots.key, 'fence'))).to.equal('1');
      expect(await target().raw('PTTL', side(slots.key, 'fence'))).to.equal(-1);
    });

    it('uses the class TTL (10 s) without a ttl; fences strictly increase across handles', async () => {
      const key = uniq();
      const fences: number[] = [];
      for (let i = 0; i < 6; i++) {
        const slots = new (i % 2 ? Slots : semaphoreOn(target()))(key);
        const lease = (await slots.acquire())!;
        expect(lease.ttl).to.equal(10_000);
        expect(Number(await target().raw('PTTL', key))).to.be.within(9000, 11_000);
        fences.push(lease.fence);
        expect(await lease.release()).to.equal(true);
      }
      expect(fences).to.deep.equal([1, 2, 3, 4, 5, 6]);
      for (const suffix of ['queue', 'alive', 'state', 'fence', 'wake:x']) {
        expect(slotOf(side(key, suffix)), `${suffix} shares the slot`).to.equal(slotOf(key));
      }
    });

    it('weighted permits: never more than PERMITS held at once', async () => {
      const Five = semaphoreOn(target(), 5);
      const slots = new Five(uniq());
      const three = (await slots.acquire({ weight: 3 }))!;
      expect(three.weight).to.equal(3);
      // One holder unit per permit, all with the lease's deadline.
      const units = (await target().raw('ZRANGE', slots.key, '0', '-1')) as string[];
      expect([...units].sort()).to.deep.equal([1, 2, 3].map((i) => `3:${three.token}#${i}`));
      const deadline = String(await target().raw('ZSCORE', slots.key, units[0]));
      expect(await target().raw('ZCOUNT', slots.key, deadline, deadline)).to.equal(3);
      expect(await slots.acquire({ weight: 3 })).to.equal(null);
      const two = (await slots.acquire({ weight: 2 }))!;
      expect(await slots.acquire()).to.equal(null);
      expect(await slots.stats()).to.include({ used: 5, available: 0, holders: 2 });
      expect(await three.release()).to.equal(true);
      expect(await slots.available()).to.equal(3);
      const again = await Promise.all([1, 1, 1, 1].map(() => slots.acquire()));
      expect(again.filter((lease) => lease !== null)).to.have.length(3);
      await Promise.all([two, ...again].map((lease) => lease?.release()));
      expect(await slots.available()).to.equal(5);
    });

    it('many acquisitions at once: exactly PERMITS granted', async () => {
      const key = uniq();
      const classes = [Slots, semaphoreOn(target()), semaphoreOn(target())];
      const leases = await Promise.all(
        Array.from({ length: 30 }, (_, i) => new classes[i % 3](key).acquire({ ttl: 5000 })),
      );
      const granted = leases.filter((lease) => lease !== null);
      expect(granted).to.have.length(3);
      expect(new Set(granted.map((lease) => lease.fence))).to.deep.equal(new Set([1, 2, 3]));
      await Promise.all(granted.map((lease) => lease.release()));
    });

    it('extend() moves the deadline, by default by the lease ttl; a lease that expired is lost', async () => {
      const slots = new Slots(uniq());
      const lease = (await slots.acquire({ ttl: 1000 }))!;
      const member = `1:${lease.token}`;
      expect(await lease.extend(60_000)).to.equal(true);
      expect(lease.ttl).to.equal(60_000);
      const now = await serverMs();
      expect(Number(await target().raw('ZSCORE', slots.key, member))).to.be.above(now + 50_000);
      expect(Number(await target().raw('PTTL', slots.key))).to.be.above(50_000);
      expect(await lease.extend()).to.equal(true);
      expect(await lease.release()).to.equal(true);

      const short = (await slots.acquire({ weight: 3, ttl: 200 }))!;
      expect(await slots.acquire()).to.equal(null);
      await sleep(300);
      expect(short.held(), 'past its ttl by the local clock').to.equal(false);
      expect(await slots.available(), 'its permits are back').to.equal(3);
      expect(await short.extend(5000)).to.equal(false);
      expect(await short.release()).to.equal(false);
      const next = (await slots.acquire({ weight: 3 }))!;
      expect(next.fence).to.be.above(short.fence);
      expect(await short.release(), 'a stale lease spares the new holder').to.equal(false);
      expect(await slots.available()).to.equal(0);
      expect(await next.release()).to.equal(true);
    });

    it('an acquire without wait returns null when the permits are taken, or when someone waits', async () => {
      const key = uniq();
      const slots = new Slots(key);
      const two = (await slots.acquire({ weight: 2 }))!;
      const waiting = new Slots(key).acquire({ weight: 3, wait: 10_000 });
      await untilQueued(key, 1);
      // One permit is free, but a waiter came first: a caller that does not wait never overtakes.
      expect(await slots.acquire()).to.equal(null);
      expect(await slots.waiting()).to.equal(1);
      expect(await slots.stats()).to.include({ used: 2, available: 1, waiting: 1 });
      expect(await two.release()).to.equal(true);
      const heavy = (await waiting)!;
      expect(heavy.weight).to.equal(3);
      expect(await slots.waiting()).to.equal(0);
      expect(await heavy.release()).to.equal(true);
      expect(await slots.acquire()).to.be.instanceOf(Lease);
      await slots.delete();
    });

    it('refuses bad arguments and configuration before sending anything', async () => {
      const slots = new Slots(uniq());
      const opts = (options: unknown): Parameters<Semaphore['acquire']>[0] => options as never;
      await rejects(() => slots.acquire({ weight: 0 }), ArgumentError, /weight/);
      await rejects(() => slots.acquire({ weight: 1.5 }), ArgumentError, /weight/);
      await rejects(() => slots.acquire(opts({ weight: '1' })), ArgumentError, /weight/);
      const above = await rejects(() => slots.acquire({ weight: 4 }), ArgumentError, /above/);
      expect([above.model, above.key]).to.deep.equal([slots.modelName, slots.key]);
      await rejects(() => slots.acquire({ ttl: 0 }), ArgumentError, /ttl/);
      await rejects(() => slots.acquire({ wait: -1 }), ArgumentError, /wait/);
      await rejects(() => slots.acquire(opts(2)), ArgumentError, /\{ weight: 2 \}/);
      await rejects(() => slots.acquire(opts({ permits: 2 })), ArgumentError, /unknown option/);
      await rejects(() => slots.acquire(opts({ signal: 'stop' })), ArgumentError, /signal/);
      await rejects(() => slots.using(() => 1, { weight: 9 }), ArgumentError, /weight/);
      await rejects(() => slots.using(opts(1) as never), ArgumentError, /fn must be a function/);
      const Unset = class extends Semaphore {
        static override CONNECTION = Slots.connection;
      };
      await rejects(() => new Unset(uniq()).acquire(), ConfigError, /PERMITS/);
      const Zero = class extends Unset {
        static override PERMITS = 0;
      };
      await rejects(() => new Zero(uniq()).available(), ConfigError, /PERMITS/);
      expect(() => new Zero(uniq()).permits).to.throw(ConfigError);
      const lease = (await slots.acquire())!;
      expect(() => lease.extend(-5)).to.throw(ArgumentError, /ttl/);
      expect(await lease.release()).to.equal(true);
      for (const key of [slots.key, side(slots.key, 'queue'), side(slots.key, 'state')]) {
        expect(await target().raw('EXISTS', key)).to.equal(0);
      }
      await target().raw('RPUSH', slots.key, 'x');
      await rejects(() => slots.acquire(), WrongTypeError);
      await target().raw('DEL', slots.key);
    });

    it('acquires in a pipeline (the lease then works directly); waiting and using() refuse to', async () => {
      const slots = new Slots(uniq());
      const Main = Slots.connection;
      const [lease, stats] = await Main.pipeline((p) => [
        slots.in(p).acquire({ weight: 2 }),
        slots.in(p).stats(),
      ]);
      expect(lease).to.be.instanceOf(Lease);
      expect(stats).to.include({ used: 2, holders: 1 });
      expect(await (lease as Lease).extend(5000)).to.equal(true);
      expect(await (lease as Lease).release()).to.equal(true);
      await Main.pipeline((p) => {
        expect(() => slots.in(p).acquire({ wait: 100 })).to.throw(ConfigError, /pipeline/);
        // @ts-expect-error -- cannot run in a batch: refused by the types too
        expect(() => slots.in(p).using(() => 1)).to.throw(ConfigError, /pipeline/);
        return [];
      });
    });

    it('delete() frees every permit (the leases are lost); the fencing counter stays', async () => {
      const slots = new Slots(uniq());
      const lease = (await slots.acquire({ weight: 3 }))!;
      expect(await slots.delete()).to.equal(true);
      expect(await slots.available()).to.equal(3);
      expect(await lease.extend()).to.equal(false);
      expect((await slots.acquire())!.fence).to.equal(2);
      await slots.delete();
    });

    it('counts the weight held from the holders alone: losing the side keys changes nothing', async () => {
      const slots = new Slots(uniq());
      const lease = (await slots.acquire({ weight: 2 }))!;
      for (const suffix of ['queue', 'alive', 'state']) {
        await target().raw('DEL', side(slots.key, suffix));
      }
      expect(await slots.available()).to.equal(1);
      expect(await slots.acquire({ weight: 2 })).to.equal(null);
      expect(await lease.release()).to.equal(true);
      expect(await slots.available()).to.equal(3);
    });

    it('keeps its side keys in the slot of a key that carries its own hash tag', async () => {
      const key = `slots:{${uniq('tag')}}`;
      const slots = new Slots(key);
      const held = (await slots.acquire({ weight: 3 }))!;
      const waiter = new Slots(key).acquire({ wait: 5000 });
      await eventually(async () => Number(await target().raw('ZCARD', `${key}:queue`)) === 1);
      expect(await target().raw('GET', `${key}:fence`)).to.equal('1');
      expect(await held.release()).to.equal(true);
      const next = (await waiter)!;
      expect(next.fence).to.equal(2);
      expect(await next.release()).to.equal(true);
    });

    it('works the same over RESP2', async () => {
      const Resp2 = target().connection({ protocol: 2 });
      const Resp2Slots = class extends Semaphore {
        static override CONNECTION = Resp2;
        static override PERMITS = 2;
      };
      const slots = new Resp2Slots(uniq());
      const lease = (await slots.acquire({ weight: 2 }))!;
      expect(lease.fence).to.equal(1);
      expect(await slots.stats()).to.deep.equal({
        permits: 2,
        used: 2,
        available: 0,
        holders: 1,
        waiting: 0,
      });
      expect(await slots.acquire({ wait: 50 })).to.equal(null);
      expect(await lease.extend()).to.equal(true);
      expect(await lease.release()).to.equal(true);
      await Resp2.close();
    });
  });

  describe('waiting', () => {
    it('waiters are granted in arrival order', async () => {
      const key = uniq();
      const One = semaphoreOn(target(), 1);
      const holder = (await new One(key).acquire())!;
      const order: number[] = [];
      const waiters: Array<Promise<void>> = [];
      for (let i = 0; i < 5; i++) {
        const slots = new (i % 2 ? One : semaphoreOn(target(), 1))(key);
        waiters.push(
          slots.acquire({ wait: 15_000 }).then(async (lease) => {
            order.push(i);
            await sleep(5);
            await lease!.release();
          }),
        );
        await untilQueued(key, i + 1);
      }
      expect(await holder.release()).to.equal(true);
      await Promise.all(waiters);
      expect(order).to.deep.equal([0, 1, 2, 3, 4]);
      expect(await queued(key)).to.equal(0);
    });

    it('a heavy waiter is granted before the light ones that come after it, however many', async () => {
      const key = uniq();
      const slots = new Slots(key);
      const light = [(await slots.acquire())!, (await slots.acquire())!];
      const grants: string[] = [];
      const heavy = slots.acquire({ weight: 3, wait: 15_000 }).then((lease) => {
        grants.push('heavy');
        return lease!;
      });
      await untilQueued(key, 1);
      // A stream of light callers: those that do not wait are refused (one permit is free, but
      // the heavy waiter came first), those that wait queue behind it.
      const behind: Array<Promise<Lease>> = [];
      for (let i = 0; i < 10; i++) {
        expect(await slots.acquire()).to.equal(null);
        if (i % 3 === 0) {
          behind.push(
            slots.acquire({ wait: 15_000 }).then((lease) => {
              grants.push(`light ${i}`);
              return lease!;
            }),
          );
        }
        await sleep(20);
      }
      await untilQueued(key, 5);
      expect(await light[0].release()).to.equal(true);
      expect(await slots.acquire(), 'two free now, still not for a newcomer').to.equal(null);
      expect(await light[1].release()).to.equal(true);
      const lease = await heavy;
      expect(grants).to.deep.equal(['heavy']);
      expect(await lease.release()).to.equal(true);
      // Its release serves the light waiters behind it in order, as many as fit (a chain).
      const served = await Promise.all(behind.slice(0, 3));
      expect(grants).to.deep.equal(['heavy', 'light 0', 'light 3', 'light 6']);
      expect(await slots.waiting()).to.equal(1);
      expect(await served[0].release()).to.equal(true);
      const last = await behind[3];
      expect(grants).to.have.length(5);
      await Promise.all([...served.slice(1), last].map((l) => l.release()));
      expect(await queued(key)).to.equal(0);
      expect(await slots.available()).to.equal(3);
    });

    it('a waiter is granted when a holder that never releases expires', async () => {
      const key = uniq();
      const slots = new Slots(key);
      await slots.acquire({ weight: 3, ttl: 300 }); // dropped without a release
      const lease = (await new Slots(key).acquire({ wait: 5000 }))!;
      expect(lease).to.be.instanceOf(Lease);
      expect(lease.fence).to.equal(2);
      expect(await lease.release()).to.equal(true);
    });

    it('a waiter that stopped trying (crashed) leaves the head of the queue after its patience', async () => {
      const key = uniq();
      const slots = new Slots(key);
      const gone = (await serverMs()) + 300;
      // A waiter of weight 1 that will never try again, at the head of the queue: though every
      // permit is free, nobody overtakes it (waiting or not) until its deadline passes.
      await target().raw('ZADD', side(key, 'queue'), '0', '1:ghost');
      await target().raw('ZADD', side(key, 'alive'), String(gone), '1:ghost');
      expect(await slots.acquire()).to.equal(null);
      const lease = (await slots.acquire({ wait: 5000 }))!;
      expect(lease).to.be.instanceOf(Lease);
      expect(await serverMs(), 'granted once the dead head was dropped').to.be.at.least(gone);
      expect(await queued(key)).to.equal(0);
      expect(await lease.release()).to.equal(true);
    });

    it('does not poll: a few commands per second of wait', async () => {
      const key = uniq();
      const slots = new Slots(key);
      const holder = (await slots.acquire({ weight: 3, ttl: 30_000 }))!;
      const calls = async (): Promise<number> =>
        (await commandCalls(target(), 'evalsha', 'eval', 'blpop')).reduce((a, b) => a + b, 0);
      const before = await calls();
      expect(await new Slots(key).acquire({ wait: 2500 })).to.equal(null);
      const spent = (await calls()) - before;
      expect(spent, 'it tried, blocked and left').to.be.at.least(3);
      expect(spent, 'EVALSHA/EVAL/BLPOP calls in a 2.5 s wait').to.be.below(20);
      expect(await holder.release()).to.equal(true);
    });

    it('gives up after wait: acquire() returns null, using() throws, the queue is left clean', async () => {
      const key = uniq();
      const slots = new Slots(key);
      const holder = (await slots.acquire({ weight: 3 }))!;
      const start = performance.now();
      expect(await new Slots(key).acquire({ wait: 300 })).to.equal(null);
      expect(performance.now() - start).to.be.at.least(250);
      expect(await queued(key)).to.equal(0);
      expect(await target().raw('ZCARD', side(key, 'alive'))).to.equal(0);
      let ran = false;
      await rejects(
        () => slots.using(() => (ran = true), { weight: 2, wait: 200 }),
        SemaphoreNotAcquiredError,
        /2 of 3 permits not free within the wait of 200 ms/,
      );
      await rejects(() => slots.using(() => (ran = true)), SemaphoreNotAcquiredError);
      expect(ran).to.equal(false);
      expect(await queued(key)).to.equal(0);
      expect(await holder.release()).to.equal(true);
    });

    it("an abort stops the wait: the call rejects with the signal's reason, the queue is left clean", async () => {
      const key = uniq();
      const slots = new Slots(key);
      const holder = (await slots.acquire({ weight: 3 }))!;
      const reason = new Error('shutting down');
      const controller = new AbortController();
      const waiting = new Slots(key).acquire({ wait: 15_000, signal: controller.signal });
      await untilQueued(key, 1);
      controller.abort(reason);
      expect(await rejects(() => waiting, Error)).to.equal(reason);
      expect(await queued(key)).to.equal(0);
      expect(await target().raw('ZCARD', side(key, 'alive'))).to.equal(0);

      const usingController = new AbortController();
      const usingWait = slots.using(() => 1, { wait: 15_000, signal: usingController.signal });
      await untilQueued(key, 1);
      usingController.abort(reason);
      expect(await rejects(() => usingWait, Error)).to.equal(reason);
      expect(await queued(key)).to.equal(0);

      // An aborted signal rejects without trying, even with permits free.
      expect(await holder.release()).to.equal(true);
      const early = await rejects(
        () => slots.acquire({ signal: AbortSignal.abort(reason) }),
        Error,
      );
      expect(early).to.equal(reason);
      expect(await target().raw('EXISTS', key)).to.equal(0);
      expect(await slots.available()).to.equal(3);
    });
  });

  describe('using()', () => {
    it('renews the lease while fn runs past its ttl, then releases it', async () => {
      const slots = new Slots(uniq());
      const result = await slots.using(
        async (signal, lease) => {
          expect([lease.weight, lease.fence]).to.deep.equal([2, 1]);
          await sleep(1000);
          expect(signal.aborted, 'lease lost').to.equal(false);
          expect(lease.held()).to.equal(true);
          expect(await slots.available()).to.equal(1);
          return 'done';
        },
        { weight: 2, ttl: 300 },
      );
      expect(result).to.equal('done');
      expect(await slots.available()).to.equal(3);
      expect(await target().raw('EXISTS', slots.key)).to.equal(0);
    });

    it("aborts fn's signal when the lease is removed under it", async () => {
      const slots = new Slots(uniq());
      let reason: unknown;
      await slots.using(
        async (signal) => {
          expect(signal.aborted).to.equal(false);
          await target().raw('DEL', slots.key);
          reason = await aborted(signal);
        },
        { ttl: 300 },
      );
      expect(reason).to.be.instanceOf(LeaseLostError);
      expect(reason).to.be.instanceOf(SemaphoreError);
      expect((reason as LeaseLostError).key).to.equal(slots.key);
      expect((reason as Error).message).to.match(/expired or was removed/);
    });

    it("aborts fn's signal when renewals cannot get through before the ttl", async () => {
      const slots = new Slots(uniq());
      let reason: unknown;
      await slots.using(
        async (signal) => {
          // Write commands (the renewing EVALSHA) hang while the servers are paused; the pause
          // ends before this test does (the release waits for it).
          await target().rawAll('CLIENT', 'PAUSE', '800', 'WRITE');
          reason = await aborted(signal, 3000);
        },
        { ttl: 300 },
      );
      expect(reason).to.be.instanceOf(LeaseLostError);
      expect((reason as Error).message).to.match(/not renewed|could not renew/);
    });

    it("returns fn's result, passes its errors through, and always releases", async () => {
      const slots = new Slots(uniq());
      expect(await slots.using(() => 42)).to.equal(42);
      const boom = new Error('boom');
      const caught = await rejects(
        () =>
          slots.using(async () => {
            throw boom;
          }),
        Error,
      );
      expect(caught).to.equal(boom);
      expect(await slots.available()).to.equal(3);
      expect(await target().raw('EXISTS', slots.key)).to.equal(0);
    });
  });

  it('works after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const slots = new Slots(uniq());
    const lease = (await slots.acquire({ weight: 2 }))!;
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await lease.extend(3000)).to.equal(true);
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await slots.available()).to.equal(1);
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await lease.release()).to.equal(true);
    expect(await target().raw('EXISTS', slots.key)).to.equal(0);
  });
});
