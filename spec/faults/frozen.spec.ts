import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Cache,
  ConnectionError,
  Counter,
  Lock,
  LockLostError,
  PriorityQueue,
  Queue,
  RedisextError,
  ReplicationError,
  Stack,
  model,
  type Connection,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { FROZEN_OPTIONS, SLACK, onSilentServer, timed } from '../support/frozen.js';
import { clientsNamed, closeAll, connectionTo, eventually, raw, uniq } from '../support/helpers.js';
import { startProxy, type CountingProxy } from '../support/proxy.js';
import { spawnServer, standalone } from '../support/topology.js';

/**
 * A frozen server (SIGSTOP) and a silent one (accepts, never answers): every call settles,
 * blocking ones included, within its own timeout plus `commandTimeout` (and a scheduling slack),
 * with a typed error; an item the server hands over after the client gave up is given back.
 */

const servers: RedisServer[] = [];
const proxies: CountingProxy[] = [];

async function server(): Promise<RedisServer> {
  const spawned = await spawnServer();
  servers.push(spawned);
  return spawned;
}

/** Freezes `target` for `ms` at most (afterEach thaws it too); resolves at the thaw. */
function freezeFor(target: RedisServer, ms: number): Promise<void> {
  target.signal('SIGSTOP');
  return sleep(ms).finally(() => target.signal('SIGCONT'));
}

/** Freezes `target` until the returned function is called (afterEach thaws it too). */
function freeze(target: RedisServer): () => void {
  target.signal('SIGSTOP');
  return () => target.signal('SIGCONT');
}

function models(Main: typeof Connection) {
  @model({ connection: Main })
  class Jobs extends Queue {}
  @model({ connection: Main })
  class Piles extends Stack {}
  @model({ connection: Main })
  class Tasks extends PriorityQueue {}
  @model({ connection: Main })
  class Mutex extends Lock {}
  @model({ connection: Main })
  class Pages extends Cache {}
  return { Jobs, Piles, Tasks, Mutex, Pages };
}

describe('faults: a frozen or silent server', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await closeAll();
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const spawned of servers.splice(0)) {
      spawned.signal('SIGCONT');
      await spawned.stop();
    }
  });

  it('blocking pops reject with a ConnectionError within timeout + commandTimeout', async () => {
    const frozen = await server();
    const { Jobs, Piles, Tasks } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const pops: Array<Promise<unknown>> = [
      new Jobs(uniq()).pop({ timeout: 500 }),
      new Piles(uniq()).pop({ timeout: 500 }),
      new Tasks(uniq()).pop({ timeout: 500 }),
      new Tasks(uniq()).popWithPriority({ timeout: 500 }),
    ];
    await sleep(100); // every pop is blocked on the server
    const thaw = freeze(frozen);
    const results = await Promise.all(pops.map(timed));
    thaw();
    const slowest = Math.max(...results.map((r) => r.ms));
    console.log(
      `      frozen server: 4 pops of timeout 500 ms rejected within ${slowest.toFixed(0)} ms`,
    );
    for (const { ms, error } of results) {
      expect(error).to.be.instanceOf(ConnectionError);
      expect((error as ConnectionError).outcome).to.equal('unknown');
      expect(ms).to.be.within(500, 500 + 300 + SLACK);
    }
    const jobs = new Jobs(uniq());
    await jobs.push('after');
    expect(await jobs.pop({ timeout: 500 })).to.equal('after');
  });

  it('a pop without limit (timeout 0) rejects too: it waits on the server a second at a time', async () => {
    const frozen = await server();
    const { Jobs } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const pop = timed(new Jobs(uniq()).pop({ timeout: 0 }));
    await sleep(100);
    const thaw = freeze(frozen);
    const { ms, error } = await pop;
    expect(error).to.be.instanceOf(ConnectionError);
    expect(ms).to.be.below(1000 + 300 + SLACK);
    thaw();
  });

  it('an abort on a frozen server rejects with the reason within commandTimeout', async () => {
    const frozen = await server();
    const { Jobs } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const stop = new AbortController();
    const pop = new Jobs(uniq()).pop({ timeout: 10_000, signal: stop.signal });
    await sleep(100);
    const thaw = freeze(frozen);
    const reason = new Error('stop now');
    stop.abort(reason);
    const { ms, error } = await timed(pop);
    thaw();
    expect(error).to.equal(reason);
    expect(ms).to.be.below(300 + SLACK);
  });

  it('a pop without limit still waits as long as it takes on a live server', async () => {
    const live = await server();
    const { Jobs } = models(connectionTo(live, { options: FROZEN_OPTIONS }));
    const jobs = new Jobs(uniq());
    const pop = jobs.pop({ timeout: 0 });
    await sleep(2500); // several server-side waits of 1 s came back empty meanwhile
    await jobs.push('late');
    expect(await pop).to.equal('late');
  });

  it('an item the server hands over after the client gave up is given back, in place', async () => {
    const real = await server();
    const proxy = await startProxy({ host: real.host, port: real.port });
    proxies.push(proxy);
    const viaProxy = { url: proxy.url } as RedisServer;
    const { Jobs, Tasks } = models(connectionTo(viaProxy, { options: FROZEN_OPTIONS }));
    const jobs = new Jobs(uniq());
    const tasks = new Tasks(uniq());
    await jobs.push('first');
    await jobs.pop(); // the connection is up
    const popJob = timed(jobs.pop({ timeout: 800 }));
    const popTask = timed(tasks.popWithPriority({ timeout: 800 }));
    await sleep(150);
    proxy.hold(true); // the network loses what the server sends
    await raw(real, 'LPUSH', jobs.key, 'taken');
    await raw(real, 'ZADD', tasks.key, '2.5', 'task');
    // The server handed both items over: neither structure holds them now.
    expect(await raw(real, 'LLEN', jobs.key)).to.equal(0);
    expect(await raw(real, 'ZCARD', tasks.key)).to.equal(0);
    for (const { ms, error } of [await popJob, await popTask]) {
      expect(error).to.be.instanceOf(ConnectionError);
      expect(ms).to.be.within(800, 800 + 300 + SLACK);
    }
    proxy.hold(false); // the replies arrive late, on connections the client kept for them
    await eventually(async () => (await raw(real, 'LLEN', jobs.key)) === 1);
    await eventually(async () => (await raw(real, 'ZCARD', tasks.key)) === 1);
    expect(await jobs.pop()).to.equal('taken');
    expect(await tasks.popWithPriority()).to.deep.equal({ item: 'task', priority: 2.5 });
  });

  it('a consume() loop outlives a freeze: it reconnects and takes what comes after the thaw', async () => {
    const frozen = await server();
    const { Jobs } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const jobs = new Jobs(uniq());
    const stop = new AbortController();
    const seen: string[] = [];
    const told: unknown[] = [];
    const loop = (async () => {
      const options = { signal: stop.signal, onError: (e: unknown) => void told.push(e) };
      for await (const item of jobs.consume(options)) {
        seen.push(item);
        if (seen.length === 3) stop.abort();
      }
    })();
    await jobs.push('a');
    await eventually(() => seen.length === 1);
    await freezeFor(frozen, 2500); // longer than a wait + commandTimeout: the loop lost its connection
    const thawed = performance.now();
    await jobs.push('b', 'c');
    await eventually(() => seen.length === 3, 8000);
    const resumed = (performance.now() - thawed).toFixed(0);
    console.log(`      consume() after a 2.5 s freeze: items taken ${resumed} ms after the thaw`);
    await loop;
    expect(seen).to.deep.equal(['a', 'b', 'c']);
    expect(told).to.not.be.empty;
    for (const error of told) expect(error).to.be.instanceOf(ConnectionError);
  });

  it('a consume() loop with reconnectFor: 0 ends with the ConnectionError', async () => {
    const frozen = await server();
    const { Jobs } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const loop = timed(
      (async () => {
        for await (const item of new Jobs(uniq()).consume({ reconnectFor: 0 })) void item;
      })(),
    );
    await sleep(100);
    const thaw = freeze(frozen);
    const { ms, error } = await loop;
    expect(error).to.be.instanceOf(ConnectionError);
    expect(ms).to.be.below(1000 + 300 + SLACK + 100);
    thaw();
  });

  it('Lock.acquire({ wait }) rejects typed within wait + commandTimeout', async () => {
    const frozen = await server();
    const { Mutex } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const name = uniq();
    expect(await new Mutex(name).acquire({ ttl: 10_000 })).to.equal(true);
    const waiter = timed(new Mutex(name).acquire({ ttl: 10_000, wait: 1000 }));
    await sleep(300); // waiting between attempts
    const thaw = freeze(frozen);
    const { ms, error } = await waiter;
    expect(error).to.be.instanceOf(ConnectionError);
    expect(ms).to.be.below(1000 + 300 + SLACK);
    thaw();
  });

  it('getOrSet waiting for another computation rejects typed', async () => {
    const frozen = await server();
    const { Pages } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    const name = uniq();
    const id = 'page';
    const computing = new Pages(name).getOrSet(id, () => sleep(1500).then(() => 'v'), {
      ttl: 60_000,
    });
    computing.catch(() => undefined);
    await sleep(100);
    const waiter = timed(new Pages(name).getOrSet(id, () => 'other'));
    await sleep(200); // the second one waits for the first one's wake-up
    const thaw = freeze(frozen);
    const { ms, error } = await waiter;
    expect(error).to.be.instanceOf(ConnectionError);
    expect(ms).to.be.below(1000 + 300 + SLACK + 200);
    const first = await timed(computing);
    expect(first.error).to.be.instanceOf(RedisextError);
    thaw();
  });

  it('a write with WAIT rejects typed within its WAIT timeout + commandTimeout', async () => {
    const frozen = await server();
    const Main = connectionTo(frozen, { options: FROZEN_OPTIONS });
    @model({ connection: Main, wait: { replicas: 1, timeout: 200 } })
    class Durable extends Counter {}
    const counter = new Durable(uniq());
    // Connected first (no replica here: a ReplicationError), so the next write is sent.
    expect((await timed(counter.incr())).error).to.be.instanceOf(ReplicationError);
    frozen.signal('SIGSTOP');
    const { ms, error } = await timed(counter.incr());
    frozen.signal('SIGCONT');
    expect(error).to.be.instanceOf(ConnectionError);
    expect((error as ConnectionError).outcome).to.equal('unknown');
    expect(ms).to.be.below(200 + 300 + SLACK);
  });

  it('Lock.using: the loss signal fires within the ttl when renewals cannot reach the server', async () => {
    const frozen = await server();
    const { Mutex } = models(connectionTo(frozen, { options: FROZEN_OPTIONS }));
    let frozenAt = 0;
    let lostAfter = -1;
    let reason: unknown;
    const using = new Mutex(uniq()).using(
      async (signal) => {
        frozenAt = performance.now();
        frozen.signal('SIGSTOP');
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        lostAfter = performance.now() - frozenAt;
        reason = signal.reason;
        frozen.signal('SIGCONT');
      },
      { ttl: 900 },
    );
    await timed(using); // its release may fail: the lock is lost anyway
    expect(reason).to.be.instanceOf(LockLostError);
    expect(lostAfter).to.be.within(0, 900);
  });

  it('a silent server (accepts, never answers): pops, locks and watch reject typed', async () => {
    const settled = await onSilentServer((Main) => {
      const { Jobs, Mutex } = models(Main);
      return [
        new Jobs(uniq()).pop({ timeout: 200 }),
        new Mutex(uniq()).acquire({ wait: 200 }),
        Main.watch([uniq()], async () => () => []),
      ];
    });
    for (const { ms, error } of settled) {
      expect(error).to.be.instanceOf(ConnectionError);
      expect(ms).to.be.below(500 + SLACK);
    }
  });
});

describe('faults: a frozen server, with nothing left behind', function () {
  this.timeout(20_000);
  after(closeAll);

  it('Connection.close() ends the connections kept for late replies', async () => {
    const frozen = await spawnServer();
    const Main = connectionTo(frozen, { options: FROZEN_OPTIONS });
    const { Jobs } = models(Main);
    try {
      const pop = timed(new Jobs(uniq()).pop({ timeout: 300 }));
      await sleep(100);
      frozen.signal('SIGSTOP');
      expect((await pop).error).to.be.instanceOf(ConnectionError);
      const closing = await timed(Main.close());
      expect(closing.error).to.equal(undefined);
      expect(closing.ms).to.be.below(1000);
      frozen.signal('SIGCONT');
      await eventually(async () => (await clientsNamed(frozen, Main.clientName)) === 0);
    } finally {
      frozen.signal('SIGCONT');
      await frozen.stop();
    }
  });
});

describe('faults: closing on a frozen server', function () {
  this.timeout(20_000);
  after(closeAll);

  it('Connection.close() with commands pending on a frozen server settles within commandTimeout', async () => {
    const frozen = await spawnServer();
    const Main = connectionTo(frozen, { options: FROZEN_OPTIONS });
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    try {
      await hits.incr();
      frozen.signal('SIGSTOP');
      const pending = timed(hits.incr());
      await sleep(50);
      const closing = await timed(Main.close());
      expect(closing.ms).to.be.below(300 + SLACK);
      const { error } = await pending;
      expect(error).to.be.instanceOf(ConnectionError);
    } finally {
      frozen.signal('SIGCONT');
      await frozen.stop();
    }
  });
});

describe('blocking pops: many waits on one signal', () => {
  after(closeAll);

  it('12 consume() loops and 12 pops on one signal: no listener leak warning, all end', async () => {
    const { Jobs } = models(connectionTo(await standalone()));
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const stop = new AbortController();
      const loops = Array.from({ length: 12 }, async () => {
        for await (const item of new Jobs(uniq()).consume({ signal: stop.signal })) void item;
      });
      const pops = Array.from({ length: 12 }, () =>
        new Jobs(uniq()).pop({ timeout: 0, signal: stop.signal }).catch((e: unknown) => e),
      );
      await sleep(300); // every one of them waits on the server
      stop.abort(new Error('shutdown'));
      await Promise.all(loops);
      for (const popped of await Promise.all(pops)) expect(String(popped)).to.match(/shutdown/);
      await sleep(50);
      expect(warnings.map(String)).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
