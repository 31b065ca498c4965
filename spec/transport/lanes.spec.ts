import { expect } from 'chai';
import {
  ConfigError,
  Connection,
  ConnectionError,
  Counter,
  DsnError,
  Lock,
  parseDsn,
  type ConnectionOptions,
} from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import { sideKey } from '../../src/core/keys.js';
import { Endpoint } from '../../src/transport/endpoint.js';
import { resolveOptions } from '../../src/transport/options.js';
import type { ParsedDsn } from '../../src/transport/dsn.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { clientsNamed, closeAll, connectionTo, eventually, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/** `count` fresh keys, the i-th on lane i of `lanes` (slot % lanes). */
function keysOnLanes(lanes: number, count = lanes): string[] {
  const keys: string[] = [];
  for (let lane = 0; lane < count; lane++) {
    let key = uniq('lane');
    while (slotOf(key) % lanes !== lane % lanes) key = uniq('lane');
    keys.push(key);
  }
  return keys;
}

/** A Counter class on a Connection. */
function counters(Main: typeof Connection) {
  return class Hits extends Counter {
    static override CONNECTION = Main;
  };
}

/** Runs `call` until it succeeds (a server just restarted), at most `limitMs`. */
async function untilOk<T>(call: () => Promise<T>, limitMs = 5_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('lanes: several shared connections per server', function () {
  this.timeout(30_000);
  let server: RedisServer;
  before(async () => {
    server = await spawnServer();
  });
  after(closeAll);

  it('opens one connection per lane used: 2 for keys of both lanes, 1 for one key', async () => {
    const Main = connectionTo(server, { options: { lanes: 2 } });
    const Hits = counters(Main);
    const [first, second] = keysOnLanes(2);
    await new Hits(first).incr();
    await new Hits(first).incr();
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
    await new Hits(second).incr();
    expect(await clientsNamed(server, Main.clientName)).to.equal(2);
    expect(await new Hits(first).get()).to.equal(2);
    expect(await new Hits(second).get()).to.equal(1);
  });

  it('lanes 1 (the default) keeps exactly one shared connection, whatever the keys', async () => {
    for (const options of [undefined, { lanes: 1 }] as Array<ConnectionOptions | undefined>) {
      const Main = connectionTo(server, { options });
      const Hits = counters(Main);
      await Promise.all(keysOnLanes(4, 8).map((key) => new Hits(key).incr()));
      expect(await clientsNamed(server, Main.clientName)).to.equal(1);
    }
  });

  it('keeps the order of the commands on each key, from a cold start and under load', async () => {
    const Main = connectionTo(server, { options: { lanes: 3 } });
    const Hits = counters(Main);
    const keys = keysOnLanes(3, 4);
    // 1,000 INCR/GET pairs issued without awaiting, the first ones while the lanes connect.
    const pairs: Array<{ key: number; incr: Promise<number>; get: Promise<number | null> }> = [];
    for (let i = 0; i < 1_000; i++) {
      const hits = new Hits(keys[i % keys.length]);
      pairs.push({ key: i % keys.length, incr: hits.incr(), get: hits.get() });
    }
    const seen = new Map<number, number>();
    for (const pair of pairs) {
      const expected = (seen.get(pair.key) ?? 0) + 1;
      seen.set(pair.key, expected);
      expect(await pair.incr, 'INCR in issue order').to.equal(expected);
      expect(await pair.get, 'GET sees the INCR before it, not a later one').to.equal(expected);
    }
    expect(await clientsNamed(server, Main.clientName)).to.equal(3);
  });

  it('runs a model key and its side keys on one lane: a Lock script, then its fence', async () => {
    const Main = connectionTo(server, { options: { lanes: 4 } });
    class Locks extends Lock {
      static override CONNECTION = Main;
    }
    const Hits = counters(Main);
    // Scripts loaded first: an EVALSHA answered NOSCRIPT is sent again as EVAL, after what
    // was issued meanwhile (on any number of lanes).
    const warm = new Locks(uniq('warm'));
    await warm.acquire();
    await warm.release();
    const rounds: Array<Promise<unknown[]>> = [];
    for (const name of keysOnLanes(4, 100)) {
      const fence = new Hits(sideKey(new Locks(name).key, 'fence'));
      // Issued together: each read of the fence (a side key) sees the script before it.
      rounds.push(
        Promise.all([
          new Locks(name).acquire(),
          fence.get(),
          fence.incr(),
          new Locks(name).acquire(),
          fence.get(),
        ]),
      );
    }
    for (const round of await Promise.all(rounds)) {
      expect(round).to.deep.equal([true, 1, 2, false, 2]);
    }
  });

  it('runs batches, transactions and client() on lane 0', async () => {
    const Main = connectionTo(server, { options: { lanes: 2 } });
    const Hits = counters(Main);
    const [, second] = keysOnLanes(2);
    const results = await Main.pipeline((p) => [new Hits(second).in(p).incr()]);
    expect(results).to.deep.equal([1]);
    expect(await Main.transaction((t) => [new Hits(second).in(t).incr()])).to.deep.equal([2]);
    const client = await Main.client();
    expect(await client.sendCommand(['GET', second])).to.equal('2');
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
  });

  it('close() closes every lane; the next commands reconnect', async () => {
    const Main = connectionTo(server, { options: { lanes: 3 } });
    const Hits = counters(Main);
    const keys = keysOnLanes(3);
    await Promise.all(keys.map((key) => new Hits(key).incr()));
    expect(await clientsNamed(server, Main.clientName)).to.equal(3);
    await Main.close();
    await eventually(async () => (await clientsNamed(server, Main.clientName)) === 0);
    expect(await new Hits(keys[1]).incr()).to.equal(2);
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
  });

  it('refuses a bad lanes value with a ConfigError, before anything connects', () => {
    for (const lanes of [0, 17, 1.5, -1, NaN, '2', null]) {
      class Bad extends Connection {
        static override MASTER = server.url;
        static override OPTIONS = { lanes } as unknown as ConnectionOptions;
      }
      expect(() => Bad.router(), String(lanes)).to.throw(ConfigError, /lanes must be an integer/);
    }
    expect(resolveOptions({ lanes: 16 }).lanes).to.equal(16);
    expect(resolveOptions({ lanes: undefined }).lanes).to.equal(1);
    expect(resolveOptions(undefined).lanes).to.equal(1);
  });

  it('takes lanes from the DSN (?lanes=N), which wins over OPTIONS', async () => {
    const parsed = parseDsn('redis://h/1?lanes=3');
    expect(parsed.lanes).to.equal(3);
    expect(String(parsed)).to.equal('redis://h:6379/1?lanes=3');
    for (const bad of ['0', '17', 'x', '1.5']) {
      expect(() => parseDsn(`redis://h?lanes=${bad}`), bad).to.throw(DsnError, /lanes/);
    }
    const name = uniq('dsn');
    class FromDsn extends Connection {
      static override MASTER = `${server.url}/0?name=${name}&lanes=2`;
      static override OPTIONS = { lanes: 1 };
    }
    const Hits = counters(FromDsn);
    try {
      await Promise.all(keysOnLanes(2).map((key) => new Hits(key).incr()));
      expect(await clientsNamed(server, name)).to.equal(2);
    } finally {
      await FromDsn.close();
    }
  });

  describe('when the server fails', () => {
    const OPTIONS = {
      lanes: 3,
      connectTimeout: 500,
      commandTimeout: 300,
      reconnectAttempts: 1,
    } satisfies ConnectionOptions;
    let own: RedisServer;
    beforeEach(async () => {
      own = await spawnServer();
    });
    afterEach(() => own.stop());

    it('a killed server: every lane rejects with a ConnectionError, and recovers on restart', async () => {
      const Main = connectionTo(own, { options: OPTIONS });
      const Hits = counters(Main);
      const hits = keysOnLanes(3).map((key) => new Hits(key));
      await Promise.all(hits.map((h) => h.incr()));
      expect(await clientsNamed(own, Main.clientName)).to.equal(3);
      own.signal('SIGKILL');
      const failed = await Promise.allSettled(hits.map((h) => h.incr()));
      for (const outcome of failed) {
        expect(outcome.status).to.equal('rejected');
        expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionError);
      }
      await own.restart();
      // Every lane works again (the server started empty: no persistence).
      for (const h of hits) expect(await untilOk(() => h.incr())).to.be.a('number');
      expect(await clientsNamed(own, Main.clientName)).to.equal(3);
      await Main.close();
    });

    it('a frozen server: the watchdog drops every lane, calls reject typed, then recover', async () => {
      const Main = connectionTo(own, { options: OPTIONS });
      const Hits = counters(Main);
      const hits = keysOnLanes(3).map((key) => new Hits(key));
      await Promise.all(hits.map((h) => h.incr()));
      own.signal('SIGSTOP');
      const started = Date.now();
      const failed = await Promise.allSettled(hits.map((h) => h.incr()));
      for (const outcome of failed) {
        expect(outcome.status).to.equal('rejected');
        expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionError);
      }
      // Bounded by the watchdog (and a reconnect attempt), not by the server.
      expect(Date.now() - started).to.be.below(5_000);
      own.signal('SIGCONT');
      for (const h of hits) expect(await untilOk(() => h.incr())).to.be.a('number');
      await Main.close();
    });
  });

  it('READONLY on one lane (failover) drops that lane only and retries on the new master', async () => {
    const [oldMaster, newMaster] = await Promise.all([spawnServer(), spawnServer()]);
    const name = uniq('ro');
    let current = oldMaster;
    const serverOf = (s: RedisServer): ParsedDsn => parseDsn(`${s.url}/0?name=${name}`);
    const endpoint = new Endpoint(serverOf(oldMaster), resolveOptions({ lanes: 2 }), true, () =>
      Promise.resolve(serverOf(current)),
    );
    const set = (key: string, value: string) =>
      endpoint.exec({ args: ['SET', key, value], write: true, key, model: 'Test' });
    try {
      const [first, second] = keysOnLanes(2);
      await Promise.all([set(first, 'a'), set(second, 'a')]);
      expect(await clientsNamed(oldMaster, name)).to.equal(2);
      // The old master is demoted: a write on it answers READONLY.
      await raw(oldMaster, 'REPLICAOF', newMaster.host, String(newMaster.port));
      current = newMaster;
      expect(await set(second, 'b')).to.equal('OK');
      expect(await raw(newMaster, 'GET', second)).to.equal('b');
      // Lane 1 moved; lane 0 stays where it was until it gets a READONLY itself.
      expect(await clientsNamed(newMaster, name)).to.equal(1);
      await eventually(async () => (await clientsNamed(oldMaster, name)) === 1);
      expect(await set(first, 'b')).to.equal('OK');
      expect(await clientsNamed(newMaster, name)).to.equal(2);
      await eventually(async () => (await clientsNamed(oldMaster, name)) === 0);
    } finally {
      await endpoint.close();
      await Promise.all([oldMaster.stop(), newMaster.stop()]);
    }
  });
});
