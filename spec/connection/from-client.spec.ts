import { expect } from 'chai';
import { createClient, createCluster } from 'redis';
import {
  ConfigError,
  Connection,
  ConnectionError,
  Counter,
  Queue,
  type RedisClient,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { clientsNamed, raw, rejects, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/**
 * A Connection on the application's own node-redis client (`static CLIENT`,
 * `Connection.fromClient`): models use it, blocking commands use duplicates of it, and the
 * library never closes, destroys or reopens it.
 */

function newClient(url: string, name?: string) {
  return createClient(name === undefined ? { url } : { url, name });
}
type AppClient = ReturnType<typeof newClient>;

describe('Connection on the application client', function () {
  this.timeout(30_000);
  let server: RedisServer;
  const apps: Array<{ readonly isOpen: boolean; destroy(): void }> = [];
  const connections: Array<typeof Connection> = [];

  /** An application client with a client name the server lists (not connected). */
  function appClient(name: string): AppClient {
    const client = newClient(`${server.url}/0`, name);
    client.on('error', () => undefined);
    apps.push(client);
    return client;
  }

  function counters(Main: typeof Connection) {
    connections.push(Main);
    return class Hits extends Counter {
      static override CONNECTION = Main;
    };
  }

  before(async () => {
    server = await spawnServer();
  });
  afterEach(async () => {
    for (const Main of connections.splice(0)) await Main.close();
    for (const app of apps.splice(0)) if (app.isOpen) app.destroy();
  });

  it('models run on it; Connection.close() leaves it open and usable', async () => {
    const app = appClient(uniq('app'));
    await app.connect();
    const Main = Connection.fromClient(app as unknown as RedisClient);
    const Hits = counters(Main);
    const hits = new Hits(uniq('hits'));
    expect(await hits.incr(3)).to.equal(3);
    expect(await app.get(hits.key)).to.equal('3');
    await Main.close();
    expect(app.isOpen).to.equal(true);
    expect(await app.ping()).to.equal('PONG');
  });

  it('connects a client the application had not connected, once; a client it closed stays closed', async () => {
    const name = uniq('app');
    const app = appClient(name);
    class Main extends Connection {
      static override CLIENT = app as unknown as RedisClient;
    }
    const Hits = counters(Main);
    const hits = new Hits(uniq('hits'));
    expect(await hits.incr()).to.equal(1);
    expect(app.isOpen).to.equal(true);
    expect(await clientsNamed(server, name)).to.equal(1);
    await app.close();
    const error = await rejects(() => hits.incr(), ConnectionError);
    expect(error.outcome).to.equal('not-sent');
    expect(app.isOpen).to.equal(false);
    expect(await clientsNamed(server, name)).to.equal(0);
  });

  it('a blocking pop takes a duplicate, which close() closes; the application client stays', async () => {
    const name = uniq('app');
    const app = appClient(name);
    await app.connect();
    const Main = Connection.fromClient(app as unknown as RedisClient);
    connections.push(Main);
    class Jobs extends Queue {
      static override CONNECTION = Main;
    }
    const jobs = new Jobs(uniq('jobs'));
    const popped = jobs.pop({ timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await clientsNamed(server, name)).to.equal(2); // the application's and its duplicate
    await app.lPush(jobs.key, 'job');
    expect(await popped).to.equal('job');
    await Main.close();
    expect(await clientsNamed(server, name)).to.equal(1);
    expect(app.isOpen).to.equal(true);
  });

  it('a frozen server: calls reject typed within commandTimeout, and the client is not destroyed', async () => {
    const frozen = await spawnServer();
    const app = newClient(`${frozen.url}/0`);
    app.on('error', () => undefined);
    apps.push(app);
    await app.connect();
    class Main extends Connection {
      static override CLIENT = app as unknown as RedisClient;
      static override OPTIONS = { commandTimeout: 300 };
    }
    const Hits = counters(Main);
    const hits = new Hits(uniq('hits'));
    await hits.incr();
    frozen.signal('SIGSTOP');
    try {
      const started = Date.now();
      const error = await rejects(() => hits.incr(), ConnectionError);
      expect(error.outcome).to.equal('unknown');
      expect(Date.now() - started).to.be.below(300 + 1_500);
      expect(app.isOpen).to.equal(true);
    } finally {
      frozen.signal('SIGCONT');
    }
    expect(await hits.incr()).to.be.at.least(2); // the same client, working again
  });

  it('refuses what is not a node-redis client, a cluster client, and CLIENT with MASTER', async () => {
    expect(() => Connection.fromClient({} as RedisClient)).to.throw(
      ConfigError,
      /node-redis client/,
    );
    const cluster = createCluster({ rootNodes: [{ url: server.url }] });
    class OnCluster extends Connection {
      static override CLIENT = cluster as unknown as RedisClient;
    }
    const OnClusterHits = counters(OnCluster);
    expect(() => new OnClusterHits('x').incr()).to.throw(ConfigError, /cluster client/);
    const app = appClient(uniq('app'));
    class Both extends Connection {
      static override CLIENT = app as unknown as RedisClient;
      static override MASTER = server.url;
    }
    const BothHits = counters(Both);
    expect(() => new BothHits('x').incr()).to.throw(ConfigError, /CLIENT and MASTER/);
    expect(await raw(server, 'PING')).to.equal('PONG');
  });
});
