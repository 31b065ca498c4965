import { expect } from 'chai';
import {
  ConnectionError,
  Counter,
  PipelineError,
  TransactionError,
  model,
  type Connection,
  type ConnectionOptions,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, connectionTo, eventually, raw, rejects, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/** A server of its own (the tests freeze or stop it), a Connection to it, a counter on it. */
interface Setup {
  readonly server: RedisServer;
  readonly Main: typeof Connection;
  readonly hits: Counter;
}

const running: Setup[] = [];

async function setup(options: ConnectionOptions = { commandTimeout: 400 }): Promise<Setup> {
  const server = await spawnServer();
  const Main = connectionTo(server, { options });
  @model({ connection: Main })
  class Hits extends Counter {}
  const made = { server, Main, hits: new Hits(uniq()) };
  running.push(made);
  return made;
}

/** Runs `fn` while `server` is frozen (SIGSTOP), thawing it whatever happens. */
async function frozen<T>(server: RedisServer, fn: () => Promise<T>): Promise<T> {
  server.signal('SIGSTOP');
  try {
    return await fn();
  } finally {
    server.signal('SIGCONT');
  }
}

/**
 * What a batch reports when its connection is lost after it was sent: "unknown", never
 * "nothing ran" (a caller who retries on "nothing ran" would apply it twice).
 */
describe('batch outcomes when the connection is lost', () => {
  afterEach(async () => {
    for (const { Main, server } of running.splice(0)) {
      await Main.close();
      await server.stop();
    }
  });
  after(closeAll);

  it('transactions sent to a frozen server reject with outcome "unknown", and did run', async () => {
    const { server, Main, hits } = await setup();
    expect(await hits.incr()).to.equal(1);
    const started = Date.now();
    const settled = await frozen(server, () =>
      Promise.allSettled(
        Array.from({ length: 5 }, () => Main.transaction((t) => [hits.in(t).incr()])),
      ),
    );
    expect(Date.now() - started).to.be.below(3000);
    for (const result of settled) {
      expect(result.status).to.equal('rejected');
      const error = (result as PromiseRejectedResult).reason as Error;
      expect(error).to.be.instanceOf(ConnectionError);
      expect(error).not.to.be.instanceOf(TransactionError);
      expect((error as ConnectionError).outcome).to.equal('unknown');
      expect(error.message).to.match(/outcome unknown/);
      expect(error.message).not.to.match(/nothing ran/);
    }
    // Redis read the transactions from the socket before it saw it close: they ran.
    await eventually(async () => Number(await raw(server, 'GET', hits.key)) === 6, 5000);
  });

  it('a pipeline sent to a frozen server reports each command with outcome "unknown"', async () => {
    const { server, Main, hits } = await setup();
    await hits.incr();
    const error = await frozen(server, () =>
      rejects(() => Main.pipeline((p) => [hits.in(p).incr(), hits.in(p).incr()]), PipelineError),
    );
    expect(error.failures.map((f) => f.index)).to.deep.equal([0, 1]);
    for (const failure of error.failures) {
      expect(failure.error).to.be.instanceOf(ConnectionError);
      expect((failure.error as ConnectionError).outcome).to.equal('unknown');
    }
  });

  it('a command that could not be sent at all (server down) reports outcome "not-sent"', async () => {
    const { server, Main, hits } = await setup({ connectTimeout: 1000 });
    await server.stop();
    const error = await rejects(
      () => Main.transaction((t) => [hits.in(t).incr()]),
      ConnectionError,
    );
    expect(error.outcome).to.equal('not-sent');
    expect(error.message).not.to.match(/outcome unknown/);
  });

  it('aborted means only what Redis said: a command refused while queued (EXECABORT)', async () => {
    const { server, Main, hits } = await setup();
    const error = await rejects(
      () => Main.transaction((t) => [hits.in(t).incr(), t.raw(['INCRBY', hits.key])]),
      TransactionError,
      /nothing ran/,
    );
    expect(error.aborted).to.equal(true);
    expect(error.failures.map((f) => f.index)).to.deep.equal([1]);
    expect(await raw(server, 'GET', hits.key)).to.equal(null);
  });

  it('watch() on a server that freezes settles with a ConnectionError within commandTimeout', async () => {
    const { server, Main, hits } = await setup();
    await hits.incr();
    const started = Date.now();
    let error: ConnectionError;
    try {
      error = await rejects(
        () =>
          Main.watch([hits], async (tx) => {
            server.signal('SIGSTOP'); // after WATCH: the read below never gets its reply
            const current = (await hits.in(tx).get()) ?? 0;
            return (t) => [hits.in(t).set(current + 1)];
          }),
        ConnectionError,
      );
    } finally {
      server.signal('SIGCONT');
    }
    expect(Date.now() - started).to.be.below(3000);
    expect(error.message).to.match(/sent nothing for 400 ms/);
    // The Connection still works afterwards.
    expect(await hits.incr()).to.equal(2);
  });
});
