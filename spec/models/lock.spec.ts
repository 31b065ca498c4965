import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgumentError, ConfigError, type Connection, WrongTypeError } from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import { Lock } from '../../src/models/lock/lock.js';
import { LockError, LockLostError, LockNotAcquiredError } from '../../src/models/lock/errors.js';
import { eventually, rejects, uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology, protocolsNamed, type Target } from '../support/targets.js';

type LockClass = new (key?: string) => Lock;

/** A Lock class on a Connection class of its own (its own clients to the topology). */
function lockOn(target: Target): LockClass & { connection: typeof Connection } {
  const Main = target.connection();
  return class extends Lock {
    static override CONNECTION = Main;
    static connection = Main;
  };
}

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

/** Calls of EVALSHA, EVAL and BLPOP the servers (every master) have counted so far. */
async function scriptAndBlockCalls(target: Target): Promise<number> {
  const calls = await commandCalls(target, 'evalsha', 'eval', 'blpop');
  return calls.reduce((sum, n) => sum + n, 0);
}

onEachTopology('Lock', (target) => {
  let Locks: ReturnType<typeof lockOn>;
  before(() => {
    Locks = lockOn(target());
  });
  // Every test starts on an empty script cache (as after a restart or a failover), so no earlier
  // test's loading hides a path that must load the scripts itself.
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  describe('acquire / release / extend', () => {
    it('acquire() stores a unique owner token with the ttl, release() deletes it', async () => {
      const lock = new Locks(uniq());
      expect(lock.fence).to.equal(null);
      expect(await lock.acquire({ ttl: 5000 })).to.equal(true);
      const token = await target().raw('GET', lock.key);
      // 128 random bits per process, then a per-process sequence number.
      expect(token).to.match(/^[0-9a-f]{32}:[0-9a-z]+$/);
      const pttl = Number(await target().raw('PTTL', lock.key));
      expect(pttl).to.be.within(1, 5000);
      expect(lock.fence).to.be.a('number');
      expect(await lock.locked()).to.equal(true);
      expect(await lock.owned()).to.equal(true);
      expect(await lock.pttl()).to.be.within(1, 5000);

      expect(await lock.release()).to.equal(true);
      expect(await target().raw('EXISTS', lock.key)).to.equal(0);
      expect(lock.fence).to.equal(null);
      expect(await lock.locked()).to.equal(false);
      expect(await lock.owned()).to.equal(false);
      expect(await lock.pttl()).to.equal(null);
      expect(await lock.release()).to.equal(false);
    });

    it('uses the class TTL (10 s) without a ttl, and a new token per acquisition', async () => {
      const lock = new Locks(uniq());
      expect(await lock.acquire()).to.equal(true);
      const first = await target().raw('GET', lock.key);
      expect(Number(await target().raw('PTTL', lock.key))).to.be.within(5000, 10_000);
      expect(await lock.release()).to.equal(true);
      expect(await lock.acquire()).to.equal(true);
      expect(await target().raw('GET', lock.key)).to.not.equal(first);
      expect(await lock.release()).to.equal(true);
    });

    it('only one of many instances acquiring at once gets the lock', async () => {
      const key = uniq();
      const classes = [Locks, lockOn(target()), lockOn(target())];
      const locks = Array.from({ length: 30 }, (_, i) => new classes[i % 3](key));
      const results = await Promise.all(locks.map((lock) => lock.acquire({ ttl: 5000 })));
      expect(results.filter(Boolean)).to.have.length(1);
      const winner = locks[results.indexOf(true)];
      expect(await target().raw('GET', key)).to.be.a('string');
      expect(await winner.owned()).to.equal(true);
      expect(await winner.release()).to.equal(true);
    });

    it('release() and extend() by a non-owner return false and change nothing', async () => {
      const key = uniq();
      const owner = new Locks(key);
      const other = new Locks(key);
      expect(await owner.acquire({ ttl: 2000 })).to.equal(true);
      const token = await target().raw('GET', key);
      expect(await other.release()).to.equal(false);
      expect(await other.extend(60_000)).to.equal(false);
      expect(await other.owned()).to.equal(false);
      expect(await target().raw('GET', key)).to.equal(token);
      expect(Number(await target().raw('PTTL', key))).to.be.at.most(2000);
      expect(await owner.release()).to.equal(true);
    });

    it('extend() resets the ttl of the owner, by default to the acquisition ttl', async () => {
      const lock = new Locks(uniq());
      expect(await lock.acquire({ ttl: 1000 })).to.equal(true);
      expect(await lock.extend(60_000)).to.equal(true);
      expect(Number(await target().raw('PTTL', lock.key))).to.be.above(1000);
      await target().raw('PEXPIRE', lock.key, '500');
      expect(await lock.extend()).to.equal(true);
      expect(Number(await target().raw('PTTL', lock.key))).to.be.above(30_000);
      expect(await lock.release()).to.equal(true);
      expect(await lock.extend()).to.equal(false);
    });

    it('is not re-entrant: the holding instance cannot acquire again, even with wait', async () => {
      const lock = new Locks(uniq());
      expect(await lock.acquire({ ttl: 30_000 })).to.equal(true);
      const fence = lock.fence;
      expect(await lock.acquire({ ttl: 30_000 })).to.equal(false);
      // Returns false at once rather than waiting for itself (the mocha timeout is 20 s).
      expect(await lock.acquire({ ttl: 30_000, wait: 60_000 })).to.equal(false);
      expect(lock.fence).to.equal(fence);
      expect(await lock.owned()).to.equal(true);
      expect(await lock.release()).to.equal(true);
    });

    it('fencing tokens strictly increase per lock name, across owners', async () => {
      const key = uniq();
      const fences: number[] = [];
      for (let i = 0; i < 5; i++) {
        const lock = new (i % 2 ? Locks : lockOn(target()))(key);
        expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
        fences.push(lock.fence!);
        expect(await lock.release()).to.equal(true);
      }
      for (let i = 1; i < fences.length; i++) expect(fences[i]).to.be.above(fences[i - 1]);
      expect(slotOf(`{${key}}:fence`), "the counter shares the lock key's slot").to.equal(
        slotOf(key),
      );
      const counter = await target().raw('GET', `{${key}}:fence`);
      expect(Number(counter)).to.equal(fences[4]);
      // Another name has its own counter.
      const other = new Locks(uniq());
      expect(await other.acquire({ ttl: 1000 })).to.equal(true);
      expect(other.fence).to.equal(1);
      await other.release();
    });

    it('a key set by the Python lock (value "") counts as held, and nobody else deletes it', async () => {
      const lock = new Locks(uniq());
      await target().raw('SET', lock.key, '');
      expect(await lock.acquire({ ttl: 1000 })).to.equal(false);
      expect(await lock.locked()).to.equal(true);
      expect(await lock.owned()).to.equal(false);
      expect(await lock.pttl()).to.equal(Infinity);
      expect(await lock.release()).to.equal(false);
      expect(await lock.extend(1000)).to.equal(false);
      expect(await target().raw('GET', lock.key)).to.equal('');
      expect(await target().raw('PTTL', lock.key)).to.equal(-1);
      await target().raw('DEL', lock.key);
      expect(await lock.acquire({ ttl: 1000 })).to.equal(true);
      expect(await lock.release()).to.equal(true);
    });

    it('release() wakes waiters through one bounded, expiring token; uncontended ones skip it', async () => {
      const lock = new Locks(uniq());
      const wake = `{${lock.key}}:wake`;
      const waiting = `{${lock.key}}:waiting`;
      expect(slotOf(wake), "the wake-up list shares the lock key's slot").to.equal(
        slotOf(lock.key),
      );
      expect(slotOf(waiting), "the waiters' flag shares the lock key's slot").to.equal(
        slotOf(lock.key),
      );
      for (let i = 0; i < 3; i++) {
        expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
        expect(await lock.release()).to.equal(true);
      }
      expect(await target().raw('EXISTS', wake), 'no waiter: no wake-up token').to.equal(0);
      // A waiter that gives up at once still flags "someone waits" for a bounded time.
      expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
      expect(await new Locks(lock.key).acquire({ ttl: 2000, wait: 10 })).to.equal(false);
      expect(Number(await target().raw('PTTL', waiting))).to.be.within(1, 1000);
      expect(await lock.release()).to.equal(true);
      for (let i = 0; i < 3; i++) {
        expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
        expect(await lock.release()).to.equal(true);
      }
      expect(await target().raw('LLEN', wake), 'trimmed to one token').to.equal(1);
      expect(Number(await target().raw('PTTL', wake))).to.be.within(1, 1000);
      expect(await lock.release()).to.equal(false); // a failed release pushes nothing more
      expect(await target().raw('LLEN', wake)).to.equal(1);
    });

    it('keeps its side keys in the slot of a key that carries its own hash tag', async () => {
      const key = `locks:{${uniq('tag')}}`;
      const lock = new Locks(key);
      expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
      expect(await target().raw('GET', `${key}:fence`)).to.equal(String(lock.fence));
      // A waiter flags itself, the release wakes it: every key involved is in the tag's slot.
      const next = new Locks(key);
      const waiter = next.acquire({ ttl: 1000, wait: 2000 });
      await eventually(async () => (await target().raw('EXISTS', `${key}:waiting`)) === 1);
      expect(await lock.release()).to.equal(true);
      expect(await waiter).to.equal(true);
      for (const side of ['fence', 'wake', 'waiting'])
        expect(slotOf(`${key}:${side}`)).to.equal(slotOf(key));
      expect(await next.release()).to.equal(true);
    });

    it('works the same over RESP2', async () => {
      const Resp2 = target().namedConnection({ protocol: 2 });
      const Resp2Lock = class extends Lock {
        static override CONNECTION = Resp2;
      };
      try {
        const key = uniq();
        const lock = new Resp2Lock(key);
        expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
        // It really spoke RESP2: its clients (on every node that has one) say so.
        const protocols = await protocolsNamed(target(), Resp2.clientName);
        expect(new Set(protocols)).to.deep.equal(new Set([2]));
        expect(lock.fence).to.equal(1);
        expect(await lock.acquire({ ttl: 2000 })).to.equal(false);
        expect(await lock.owned()).to.equal(true);
        expect(await lock.locked()).to.equal(true);
        expect(await lock.pttl()).to.be.within(1, 2000);
        expect(await lock.extend(3000)).to.equal(true);
        expect(await new Resp2Lock(key).acquire({ ttl: 1000, wait: 50 })).to.equal(false);
        expect(await lock.release()).to.equal(true);
        expect(await lock.pttl()).to.equal(null);
      } finally {
        await Resp2.close();
      }
    });

    it('refuses bad ttl and wait before sending, and a key of another type', async () => {
      const lock = new Locks(uniq());
      await rejects(() => lock.acquire({ ttl: 0 }), ArgumentError, /ttl/);
      await rejects(() => lock.acquire({ ttl: 1.5 }), ArgumentError, /ttl/);
      await rejects(() => lock.acquire({ wait: -1 }), ArgumentError, /wait/);
      await rejects(() => lock.extend(-5), ArgumentError, /ttl/);
      await rejects(() => lock.using(() => 1, { ttl: 0 }), ArgumentError, /ttl/);
      expect(await target().raw('EXISTS', lock.key)).to.equal(0);
      await target().raw('RPUSH', lock.key, 'x');
      await rejects(() => lock.acquire({ ttl: 1000 }), WrongTypeError);
    });

    it('runs in a pipeline; waiting and using() refuse to', async () => {
      const lock = new Locks(uniq());
      const Main = Locks.connection;
      const [acquired, locked] = await Main.pipeline((p) => [
        lock.in(p).acquire({ ttl: 2000 }),
        lock.in(p).locked(),
      ]);
      expect(acquired).to.equal(true);
      expect(locked).to.equal(true);
      expect(lock.fence).to.be.a('number');
      expect(await lock.owned()).to.equal(true);
      const [released] = await Main.pipeline((p) => [lock.in(p).release()]);
      expect(released).to.equal(true);
      expect(lock.fence).to.equal(null);
      await Main.pipeline((p) => {
        expect(() => lock.in(p).acquire({ wait: 100 })).to.throw(ConfigError, /pipeline/);
        // A multi-round-trip operation is refused synchronously, like a waiting acquire.
        // @ts-expect-error -- cannot run in a batch: refused by the types too
        expect(() => lock.in(p).using(() => 1)).to.throw(ConfigError, /pipeline/);
        return [];
      });
    });
  });

  describe('contention and expiry', () => {
    it('10 contenders on several connections never overlap, all get it, fences increase', async () => {
      const key = uniq();
      const classes = [Locks, lockOn(target()), lockOn(target()), lockOn(target())];
      const events: Array<{ id: number; enter: boolean; fence: number; at: bigint }> = [];
      const inside = { now: 0, max: 0 };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, id) =>
          new classes[id % classes.length](key).using(
            async (_signal, fence) => {
              inside.max = Math.max(inside.max, ++inside.now);
              events.push({ id, enter: true, fence, at: process.hrtime.bigint() });
              await sleep(5 + (id % 3) * 5);
              events.push({ id, enter: false, fence, at: process.hrtime.bigint() });
              inside.now--;
              return id;
            },
            { ttl: 5000, wait: 15_000 },
          ),
        ),
      );
      expect(outcomes).to.deep.equal([...Array(10).keys()]);
      expect(inside.max).to.equal(1);
      expect(events).to.have.length(20);
      const ids = new Set<number>();
      for (let i = 0; i < events.length; i += 2) {
        const [enter, exit] = [events[i], events[i + 1]];
        expect(enter.enter, `event ${i} enters`).to.equal(true);
        expect(exit.enter, `event ${i + 1} exits`).to.equal(false);
        expect(exit.id).to.equal(enter.id);
        expect(exit.at >= enter.at).to.equal(true);
        if (i > 0) {
          expect(enter.at >= events[i - 1].at, 'no interval intersects the previous').to.equal(
            true,
          );
          expect(enter.fence, 'fences increase in holding order').to.be.above(events[i - 2].fence);
        }
        ids.add(enter.id);
      }
      expect(ids.size).to.equal(10);
      expect(await target().raw('EXISTS', key)).to.equal(0);
    });

    it('a holder that stops renewing loses the lock after its ttl; its release spares the new holder', async () => {
      const key = uniq();
      const stale = new Locks(key);
      const next = new (lockOn(target()))(key);
      expect(await stale.acquire({ ttl: 200 })).to.equal(true);
      await eventually(async () => (await target().raw('EXISTS', key)) === 0, 3000);
      expect(await next.acquire({ ttl: 5000 })).to.equal(true);
      expect(next.fence).to.be.above(stale.fence!);
      expect(await stale.owned()).to.equal(false);
      expect(await stale.extend(5000)).to.equal(false);
      expect(await stale.release()).to.equal(false);
      expect(await next.owned()).to.equal(true);
      expect(Number(await target().raw('PTTL', key))).to.be.above(200);
      expect(await next.release()).to.equal(true);
    });

    it('using() renews the lock while fn runs past the ttl, then releases it', async () => {
      const lock = new Locks(uniq());
      const result = await lock.using(
        async (signal, fence) => {
          expect(fence).to.equal(lock.fence);
          await sleep(1000);
          expect(signal.aborted, 'lock lost').to.equal(false);
          expect(await lock.owned()).to.equal(true);
          return 'done';
        },
        { ttl: 300 },
      );
      expect(result).to.equal('done');
      expect(await target().raw('EXISTS', lock.key)).to.equal(0);
      expect(lock.fence).to.equal(null);
    });

    it("using() aborts fn's signal when the lock is deleted under it", async () => {
      const lock = new Locks(uniq());
      let reason: unknown;
      await lock.using(
        async (signal) => {
          expect(signal.aborted).to.equal(false);
          await target().raw('DEL', lock.key);
          reason = await aborted(signal);
        },
        { ttl: 300 },
      );
      expect(reason).to.be.instanceOf(LockLostError);
      expect(reason).to.be.instanceOf(LockError);
      expect((reason as LockLostError).key).to.equal(lock.key);
    });

    it("using() aborts fn's signal when another owner took the lock, and does not release theirs", async () => {
      const key = uniq();
      const lock = new Locks(key);
      const thief = new (lockOn(target()))(key);
      let reason: unknown;
      await lock.using(
        async (signal) => {
          await target().raw('DEL', key);
          expect(await thief.acquire({ ttl: 10_000 })).to.equal(true);
          reason = await aborted(signal);
        },
        { ttl: 300 },
      );
      expect(reason).to.be.instanceOf(LockLostError);
      expect(await thief.owned()).to.equal(true);
      expect(await thief.release()).to.equal(true);
    });

    it("using() aborts fn's signal when renewals cannot get through before the ttl", async () => {
      const lock = new Locks(uniq());
      let reason: unknown;
      await lock.using(
        async (signal) => {
          // Write commands (the renewing EVALSHA) hang while the servers (every master) are
          // paused; the pause ends before this test does (its release waits for it).
          await target().rawAll('CLIENT', 'PAUSE', '800', 'WRITE');
          reason = await aborted(signal, 3000);
        },
        { ttl: 300 },
      );
      expect(reason).to.be.instanceOf(LockLostError);
      expect((reason as Error).message).to.match(/not renewed|could not renew/);
    });

    it("using() returns fn's result, passes its errors through, and always releases", async () => {
      const lock = new Locks(uniq());
      expect(await lock.using(() => 42, { ttl: 2000 })).to.equal(42);
      expect(await target().raw('EXISTS', lock.key)).to.equal(0);
      const boom = new Error('boom');
      const caught = await rejects(
        () =>
          lock.using(
            async () => {
              throw boom;
            },
            { ttl: 2000 },
          ),
        Error,
      );
      expect(caught).to.equal(boom);
      expect(await target().raw('EXISTS', lock.key)).to.equal(0);
    });
  });

  describe('waiting', () => {
    it('a waiter acquires the lock when the holder releases it', async () => {
      const key = uniq();
      const holder = new Locks(key);
      const waiter = new (lockOn(target()))(key);
      expect(await holder.acquire({ ttl: 30_000 })).to.equal(true);
      const waiting = waiter.acquire({ ttl: 5000, wait: 10_000 });
      await sleep(100);
      expect(await holder.release()).to.equal(true);
      expect(await waiting).to.equal(true);
      expect(waiter.fence).to.be.above(holder.fence ?? 0);
      expect(await waiter.owned()).to.equal(true);
      expect(await waiter.release()).to.equal(true);
    });

    it('a waiter acquires the lock when it expires, or when a Python holder deletes it', async () => {
      const key = uniq();
      const holder = new Locks(key);
      const waiter = new Locks(key);
      expect(await holder.acquire({ ttl: 300 })).to.equal(true);
      expect(await waiter.acquire({ ttl: 5000, wait: 10_000 })).to.equal(true);
      expect(await waiter.release()).to.equal(true);

      await target().raw('SET', key, '');
      const waiting = waiter.acquire({ ttl: 5000, wait: 10_000 });
      await sleep(150);
      await target().raw('DEL', key);
      expect(await waiting).to.equal(true);
      expect(await waiter.release()).to.equal(true);
    });

    it('gives up after wait: acquire() returns false, using() throws LockNotAcquiredError', async () => {
      const key = uniq();
      const holder = new Locks(key);
      const waiter = new (lockOn(target()))(key);
      expect(await holder.acquire({ ttl: 30_000 })).to.equal(true);
      let start = performance.now();
      expect(await waiter.acquire({ ttl: 1000, wait: 300 })).to.equal(false);
      expect(performance.now() - start).to.be.within(250, 5000);

      start = performance.now();
      let ran = false;
      await rejects(
        () =>
          waiter.using(
            () => {
              ran = true;
            },
            { ttl: 1000, wait: 300 },
          ),
        LockNotAcquiredError,
        /held by another owner/,
      );
      expect(ran).to.equal(false);
      expect(performance.now() - start).to.be.within(250, 5000);
      await rejects(() => waiter.using(() => 1), LockNotAcquiredError);
      await rejects(() => holder.using(() => 1), LockNotAcquiredError, /re-entrant/);
      expect(await holder.owned()).to.equal(true);
      expect(await holder.release()).to.equal(true);
    });

    it("an abort stops the wait: the call rejects with the signal's reason", async () => {
      const key = uniq();
      const holder = new Locks(key);
      const waiter = new (lockOn(target()))(key);
      expect(await holder.acquire({ ttl: 30_000 })).to.equal(true);

      const controller = new AbortController();
      const reason = new Error('shutting down');
      setTimeout(() => controller.abort(reason), 100);
      const start = performance.now();
      const caught = await rejects(
        () => waiter.acquire({ ttl: 1000, wait: 15_000, signal: controller.signal }),
        Error,
      );
      expect(caught).to.equal(reason);
      expect(performance.now() - start).to.be.below(5000);

      const usingController = new AbortController();
      setTimeout(() => usingController.abort(reason), 100);
      const caughtUsing = await rejects(
        () => waiter.using(() => 1, { wait: 15_000, signal: usingController.signal }),
        Error,
      );
      expect(caughtUsing).to.equal(reason);

      // An already aborted signal rejects without trying.
      await holder.release();
      const caughtEarly = await rejects(
        () => waiter.acquire({ signal: AbortSignal.abort(reason) }),
        Error,
      );
      expect(caughtEarly).to.equal(reason);
      expect(await target().raw('EXISTS', key)).to.equal(0);
    });

    it('does not hammer the server while waiting (bounded calls per second)', async () => {
      const key = uniq();
      const holder = new Locks(key);
      const waiter = new (lockOn(target()))(key);
      expect(await holder.acquire({ ttl: 30_000 })).to.equal(true);
      const before = await scriptAndBlockCalls(target());
      expect(await waiter.acquire({ ttl: 1000, wait: 1000 })).to.equal(false);
      const calls = (await scriptAndBlockCalls(target())) - before;
      expect(calls, 'it tried at least once and blocked').to.be.at.least(2);
      expect(calls, 'EVALSHA/EVAL/BLPOP calls in a 1 s wait').to.be.below(60);
      expect(await holder.release()).to.equal(true);
    });
  });

  it('works after SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    const lock = new Locks(uniq());
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await lock.acquire({ ttl: 2000 })).to.equal(true);
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await lock.extend(3000)).to.equal(true);
    await target().rawAll('SCRIPT', 'FLUSH');
    expect(await lock.release()).to.equal(true);
    expect(await target().raw('EXISTS', lock.key)).to.equal(0);
  });
});
