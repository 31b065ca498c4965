import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConnectionError,
  LeaseLostError,
  RateLimiter,
  Semaphore,
  type Connection,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { FROZEN_OPTIONS, SLACK, onSilentServer, timed } from '../support/frozen.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/**
 * The coordination primitives on a frozen server (SIGSTOP) and a silent one (accepts, never
 * answers): a Semaphore waiting in its queue (its blocking wait on a dedicated connection, its
 * attempts and its leaving on the shared one), a lease's release and extend, `using()`'s loss
 * signal, a RateLimiter's `wait()` (whose reservation, once made, needs the server no more):
 * each settles within its own timeout plus `commandTimeout` (and a scheduling slack), typed;
 * what may have run says so (`outcome: 'unknown'`).
 */

/** A one-permit Semaphore class and a RateLimiter class (2 per second, `onError`) on `Main`. */
function models(Main: typeof Connection, onError: 'throw' | 'deny' = 'throw') {
  class Slot extends Semaphore {
    static override CONNECTION = Main;
    static override PERMITS = 1;
  }
  class Limit extends RateLimiter {
    static override CONNECTION = Main;
    static override LIMITS = [{ rate: 2, per: 1_000 }];
    static override ON_ERROR = onError;
  }
  return { Slot, Limit };
}

describe('faults: the Semaphore and the RateLimiter on a frozen or silent server', function () {
  this.timeout(30_000);
  let server: RedisServer | undefined;

  afterEach(async () => {
    await closeAll();
    server?.signal('SIGCONT');
    await server?.stop();
    server = undefined;
  });

  /** A fresh server, a Connection to it, and the models on that Connection. */
  async function setUp() {
    server = await spawnServer();
    const Main = connectionTo(server, { options: FROZEN_OPTIONS });
    return { Main, ...models(Main) };
  }

  it('Semaphore.acquire({ wait }) queued behind a holder rejects typed within wait + commandTimeout', async () => {
    const { Slot } = await setUp();
    const name = uniq('slot');
    const held = await new Slot(name).acquire({ ttl: 10_000 });
    expect(held).to.not.equal(null);
    const waiter = timed(new Slot(name).acquire({ ttl: 10_000, wait: 1000 }));
    await sleep(300); // queued, blocked on its wake-up list
    server!.signal('SIGSTOP');
    const { ms, error } = await waiter;
    expect(error).to.be.instanceOf(ConnectionError);
    expect(ms).to.be.below(1000 + 300 + SLACK);
  });

  it('Semaphore.acquire({ wait }) sent to a server frozen already rejects typed, outcome unknown', async () => {
    const { Slot } = await setUp();
    const slot = new Slot(uniq('slot'));
    expect(await slot.available()).to.equal(1); // connected
    server!.signal('SIGSTOP');
    const { ms, error } = await timed(slot.acquire({ wait: 1000 }));
    expect(error).to.be.instanceOf(ConnectionError);
    // The attempt may have reached the server: it may have granted (then the lease expires).
    expect((error as ConnectionError).outcome).to.equal('unknown');
    expect(ms).to.be.below(1000 + 300 + SLACK);
  });

  it("a lease's extend and release sent to a frozen server reject typed, outcome unknown", async () => {
    const { Slot } = await setUp();
    const lease = await new Slot(uniq('slot')).acquire({ ttl: 10_000 });
    expect(lease).to.not.equal(null);
    server!.signal('SIGSTOP');
    // Both sent on the connection the server stopped answering (after the watchdog drops it, a
    // call is not sent at all: its connect fails, outcome 'not-sent').
    const calls = [timed(lease!.extend(10_000)), timed(lease!.release())];
    for (const { ms, error } of await Promise.all(calls)) {
      expect(error).to.be.instanceOf(ConnectionError);
      expect((error as ConnectionError).outcome).to.equal('unknown');
      expect(ms).to.be.below(300 + SLACK);
    }
  });

  it('Semaphore.using: the loss signal fires within the ttl when renewals cannot reach the server', async () => {
    const { Slot } = await setUp();
    let frozenAt = 0;
    let lostAfter = -1;
    let reason: unknown;
    const using = new Slot(uniq('slot')).using(
      async (signal) => {
        frozenAt = performance.now();
        server!.signal('SIGSTOP');
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        lostAfter = performance.now() - frozenAt;
        reason = signal.reason;
        server!.signal('SIGCONT');
      },
      { ttl: 900 },
    );
    await timed(using); // its release may fail: the lease is lost anyway
    expect(reason).to.be.instanceOf(LeaseLostError);
    expect(lostAfter).to.be.within(0, 900);
  });

  it('RateLimiter.wait(): a reservation made ends on time while the server is frozen', async () => {
    const { Limit } = await setUp();
    const id = uniq('limit');
    for (let i = 0; i < 2; i++) expect((await new Limit(id).take()).allowed).to.equal(true);
    // The burst is spent: the reservation is for about 500 ms from now, then a timer sleeps.
    const waiting = timed(new Limit(id).wait({ timeout: 1000 }));
    await sleep(100);
    server!.signal('SIGSTOP');
    const { ms, value, error } = await waiting;
    expect(error).to.equal(undefined);
    expect(value).to.equal(true);
    expect(ms).to.be.within(400, 500 + SLACK);
  });

  it("RateLimiter.wait() sent to a frozen server: rejects typed ('throw'), false ('deny'), within commandTimeout", async () => {
    const { Main, Limit } = await setUp();
    const { Limit: Denying } = models(Main, 'deny');
    const id = uniq('limit');
    expect((await new Limit(id).take()).allowed).to.equal(true); // connected
    server!.signal('SIGSTOP');
    const [thrown, denied] = await Promise.all([
      timed(new Limit(id).wait({ timeout: 1000 })),
      timed(new Denying(id).wait({ timeout: 1000 })),
    ]);
    expect(thrown.error).to.be.instanceOf(ConnectionError);
    expect(thrown.ms).to.be.below(300 + SLACK);
    expect(denied.error).to.equal(undefined);
    expect(denied.value).to.equal(false);
    expect(denied.ms).to.be.below(300 + SLACK);
  });

  it('a silent server (accepts, never answers): acquire, a queued acquire, available, take and wait reject typed', async () => {
    const settled = await onSilentServer((Main) => {
      const { Slot, Limit } = models(Main);
      return [
        new Slot(uniq()).acquire(),
        new Slot(uniq()).acquire({ wait: 200 }),
        new Slot(uniq()).available(),
        new Limit(uniq()).take(),
        new Limit(uniq()).wait({ timeout: 200 }),
      ];
    });
    for (const { ms, error } of settled) {
      expect(error).to.be.instanceOf(ConnectionError);
      expect(ms).to.be.below(500 + 300 + SLACK);
    }
  });
});
