import { expect } from 'chai';
import {
  ConnectionError,
  Counter,
  PipelineError,
  TransactionError,
  model,
} from '../../src/index.js';
import { closeAll, connectionTo, eventually, raw, rejects, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/**
 * What a batch reports when its connection is lost after it was sent: "unknown", never
 * "nothing ran" (a caller who retries on "nothing ran" would apply it twice).
 */
describe('batch outcomes when the connection is lost', () => {
  after(closeAll);

  it('transactions sent to a frozen server reject with outcome "unknown", and did run', async () => {
    const frozen = await spawnServer();
    const Main = connectionTo(frozen, { options: { commandTimeout: 400 } });
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    expect(await hits.incr()).to.equal(1);
    frozen.signal('SIGSTOP');
    let settled: PromiseSettledResult<unknown>[];
    try {
      const started = Date.now();
      settled = await Promise.allSettled(
        Array.from({ length: 5 }, () => Main.transaction((t) => [hits.in(t).incr()])),
      );
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      frozen.signal('SIGCONT');
    }
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
    await eventually(async () => Number(await raw(frozen, 'GET', hits.key)) === 6, 5000);
    await Main.close();
    await frozen.stop();
  });

  it('a pipeline sent to a frozen server reports each command with outcome "unknown"', async () => {
    const frozen = await spawnServer();
    const Main = connectionTo(frozen, { options: { commandTimeout: 400 } });
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    await hits.incr();
    frozen.signal('SIGSTOP');
    let error: PipelineError;
    try {
      error = await rejects(
        () => Main.pipeline((p) => [hits.in(p).incr(), hits.in(p).incr()]),
        PipelineError,
      );
    } finally {
      frozen.signal('SIGCONT');
    }
    expect(error.failures.map((f) => f.index)).to.deep.equal([0, 1]);
    for (const failure of error.failures) {
      expect(failure.error).to.be.instanceOf(ConnectionError);
      expect((failure.error as ConnectionError).outcome).to.equal('unknown');
    }
    await Main.close();
    await frozen.stop();
  });

  it('a command that could not be sent at all (server down) reports outcome "not-sent"', async () => {
    const gone = await spawnServer();
    const Main = connectionTo(gone, { options: { connectTimeout: 1000 } });
    @model({ connection: Main })
    class Hits extends Counter {}
    await gone.stop();
    const error = await rejects(
      () => Main.transaction((t) => [new Hits(uniq()).in(t).incr()]),
      ConnectionError,
    );
    expect(error.outcome).to.equal('not-sent');
    expect(error.message).not.to.match(/outcome unknown/);
  });

  it('aborted means only what Redis said: a command refused while queued (EXECABORT)', async () => {
    const server = await spawnServer();
    const Main = connectionTo(server);
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    const error = await rejects(
      () => Main.transaction((t) => [hits.in(t).incr(), t.raw(['INCRBY', hits.key])]),
      TransactionError,
      /nothing ran/,
    );
    expect(error.aborted).to.equal(true);
    expect(error.failures.map((f) => f.index)).to.deep.equal([1]);
    expect(await raw(server, 'GET', hits.key)).to.equal(null);
    await Main.close();
    await server.stop();
  });

  it('watch() on a server that freezes settles with a ConnectionError within commandTimeout', async () => {
    const frozen = await spawnServer();
    const Main = connectionTo(frozen, { options: { commandTimeout: 400 } });
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(uniq());
    await hits.incr();
    const started = Date.now();
    let error: ConnectionError;
    try {
      error = await rejects(
        () =>
          Main.watch([hits], async (tx) => {
            frozen.signal('SIGSTOP'); // after WATCH: the read below never gets its reply
            const current = (await hits.in(tx).get()) ?? 0;
            return (t) => [hits.in(t).set(current + 1)];
          }),
        ConnectionError,
      );
    } finally {
      frozen.signal('SIGCONT');
    }
    expect(Date.now() - started).to.be.below(3000);
    expect(error.message).to.match(/sent nothing for 400 ms/);
    // The Connection still works afterwards.
    expect(await hits.incr()).to.equal(2);
    await Main.close();
    await frozen.stop();
  });
});
