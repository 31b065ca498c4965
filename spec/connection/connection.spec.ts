import { expect } from 'chai';
import net from 'node:net';
import { Connection, ConnectionError, Counter, Map as RMap, serializer } from '../../src/index.js';
import {
  clientsNamed,
  closeAll,
  connectionTo,
  eventually,
  raw,
  rejects,
  uniq,
} from '../support/helpers.js';
import { freePort } from '../../tools/redis-server.js';
import { spawnServer, standalone } from '../support/topology.js';
import type { RedisServer } from '../../tools/redis-server.js';

describe('Connection', () => {
  let server: RedisServer;
  before(async () => {
    server = await standalone();
  });
  after(closeAll);

  it('opens no connection until the first command, then exactly one for many models', async () => {
    const Main = connectionTo(server);
    class Hits extends Counter {
      static override CONNECTION = Main;
    }
    const handles = Array.from({ length: 10_000 }, (_, i) => new Hits(uniq(`lazy${i % 10}`)));
    expect(await clientsNamed(server, Main.clientName)).to.equal(0);
    await Promise.all(handles.slice(0, 500).map((h) => h.incr()));
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
    await Main.close();
    await eventually(async () => (await clientsNamed(server, Main.clientName)) === 0);
  });

  it('keeps working after close(): the next command reconnects', async () => {
    const Main = connectionTo(server);
    class C extends Counter {
      static override CONNECTION = Main;
    }
    const counter = new C(uniq());
    expect(await counter.incr()).to.equal(1);
    await Main.close();
    expect(await counter.incr()).to.equal(2);
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
  });

  it('per-command mode (REUSE = false) leaves no connection open after each command', async () => {
    const Main = connectionTo(server, { reuse: false });
    class C extends Counter {
      static override CONNECTION = Main;
    }
    const counter = new C(uniq());
    for (let i = 1; i <= 3; i++) {
      expect(await counter.incr()).to.equal(i);
      await eventually(async () => (await clientsNamed(server, Main.clientName)) === 0);
    }
    const counted = String(await raw(server, 'INFO', 'stats')).match(
      /total_connections_received:(\d+)/,
    );
    expect(counted).to.not.equal(null);
  });

  it('per-command mode opens one connection per command', async () => {
    const Main = connectionTo(server, { reuse: false });
    class C extends Counter {
      static override CONNECTION = Main;
    }
    const before = Number(
      /total_connections_received:(\d+)/.exec(String(await raw(server, 'INFO', 'stats')))![1],
    );
    const counter = new C(uniq());
    for (let i = 0; i < 5; i++) await counter.incr();
    const after = Number(
      /total_connections_received:(\d+)/.exec(String(await raw(server, 'INFO', 'stats')))![1],
    );
    expect(after - before).to.equal(5);
  });

  it('accepts a DSN string as CONNECTION, one Connection per distinct DSN', async () => {
    const dsn = `${server.url}/0?name=${uniq('dsn')}`;
    class A extends Counter {
      static override CONNECTION = dsn;
    }
    class B extends RMap<string> {
      static override CONNECTION = dsn;
    }
    const key = uniq();
    await new A(key).incr(5);
    expect(await new B(key).get()).to.equal('5');
    expect(Connection.forDsn(dsn)).to.equal(Connection.forDsn(dsn));
    expect(await clientsNamed(server, new URL(dsn).searchParams.get('name')!)).to.equal(1);
  });

  it('hands out the node-redis client as an escape hatch', async () => {
    const Main = connectionTo(server);
    const client = await Main.client();
    const key = uniq();
    await client.sendCommand(['SET', key, 'raw']);
    class V extends RMap {
      static override CONNECTION = Main;
    }
    expect(await new V(key).get()).to.equal('raw');
    expect(await clientsNamed(server, Main.clientName)).to.equal(1);
  });

  it('supports await using / Symbol.asyncDispose', async () => {
    const Main = connectionTo(server);
    class C extends Counter {
      static override CONNECTION = Main;
    }
    {
      await using _conn = Main;
      await new C(uniq()).incr();
      expect(await clientsNamed(server, Main.clientName)).to.equal(1);
    }
    await eventually(async () => (await clientsNamed(server, Main.clientName)) === 0);
  });

  describe('failures', () => {
    it('a refused connection is a ConnectionError naming host:port, without the password', async () => {
      const port = await freePort();
      class Dead extends Connection {
        static override MASTER = `redis://:hunter2@127.0.0.1:${port}/0`;
      }
      class C extends Counter {
        static override CONNECTION = Dead;
      }
      const started = Date.now();
      const error = await rejects(() => new C('x').incr(), ConnectionError);
      expect(Date.now() - started).to.be.below(2000);
      expect(error.message).to.include(`127.0.0.1:${port}`);
      expect(error.message).to.not.include('hunter2');
      expect(error.address).to.equal(`127.0.0.1:${port}`);
    });

    it('a server that accepts and never answers fails within connectTimeout', async () => {
      const sockets: net.Socket[] = [];
      const silent = net.createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      class Silent extends Connection {
        static override MASTER = `redis://127.0.0.1:${port}/0`;
        static override OPTIONS = { connectTimeout: 300 };
      }
      class C extends Counter {
        static override CONNECTION = Silent;
      }
      try {
        const started = Date.now();
        await rejects(() => new C('x').incr(), ConnectionError, /300 ms/);
        expect(Date.now() - started).to.be.below(3000);
      } finally {
        sockets.forEach((s) => s.destroy());
        silent.close();
      }
    });

    it('a frozen server (SIGSTOP) makes waiting commands fail within commandTimeout, then recovers', async () => {
      const frozen = await spawnServer();
      const Main = connectionTo(frozen, { options: { commandTimeout: 300 } });
      class C extends Counter {
        static override CONNECTION = Main;
      }
      const counter = new C(uniq());
      expect(await counter.incr()).to.equal(1);
      frozen.signal('SIGSTOP');
      try {
        const started = Date.now();
        const results = await Promise.allSettled([counter.incr(), counter.incr(), counter.get()]);
        expect(Date.now() - started).to.be.below(3000);
        for (const result of results) {
          expect(result.status).to.equal('rejected');
          expect((result as PromiseRejectedResult).reason).to.be.instanceOf(ConnectionError);
          expect(String((result as PromiseRejectedResult).reason.message)).to.match(
            /sent nothing for 300 ms/,
          );
        }
      } finally {
        frozen.signal('SIGCONT');
      }
      // The commands may or may not have run on the server; the handle still works afterwards.
      const value = await counter.incr();
      expect(value).to.be.within(2, 4);
      await frozen.stop();
    });

    it('a stopped server makes commands reject promptly with a ConnectionError', async () => {
      const doomed = await spawnServer();
      const Main = connectionTo(doomed);
      class C extends Counter {
        static override CONNECTION = Main;
      }
      const counter = new C(uniq());
      await counter.incr();
      await doomed.stop();
      const started = Date.now();
      await rejects(() => counter.incr(), ConnectionError);
      await rejects(() => counter.incr(), ConnectionError);
      expect(Date.now() - started).to.be.below(3000);
    });

    it('a wrong serializer value is refused before anything is sent', async () => {
      const Main = connectionTo(server);
      class N extends RMap<number> {
        static override CONNECTION = Main;
        static override SERIALIZER = serializer.Numeric;
      }
      expect(() => new N(uniq()).set(1.5)).to.throw(/Numeric/);
      expect(await clientsNamed(server, Main.clientName)).to.equal(0);
    });
  });
});
