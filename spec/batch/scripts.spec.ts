import { expect } from 'chai';
import { Lock, model, type Connection } from '../../src/index.js';
import { uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology } from '../support/targets.js';

/**
 * Every way a Lua script runs (direct, pipeline, transaction, watch), on a server whose script
 * cache is empty: each test flushes it first (a restart or a failover does the same in
 * production), also after the connection has been used, so no earlier test's loading helps.
 */
onEachTopology('scripts on an empty script cache', (target) => {
  let Main: typeof Connection;
  let Guard: typeof Lock;
  before(() => {
    Main = target().connection();
    @model({ connection: Main, prefix: 'scripts' })
    class ScriptGuard extends Lock {}
    Guard = ScriptGuard;
  });
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  const sum = (counts: number[]): number => counts.reduce((a, b) => a + b, 0);

  it('direct: EVALSHA meets NOSCRIPT and the same call runs once as EVAL', async () => {
    const lock = new Guard(uniq());
    const before = sum(await commandCalls(target(), 'eval'));
    expect(await lock.acquire({ ttl: 5000 })).to.equal(true);
    expect(await lock.release()).to.equal(true);
    expect(sum(await commandCalls(target(), 'eval')) - before).to.equal(2);
  });

  it('pipeline: the batch keeps its order (commands after a script see its effect)', async () => {
    const lock = new Guard(uniq());
    const results = await Main.pipeline((p) => [
      lock.in(p).acquire({ ttl: 5000 }),
      lock.in(p).locked(),
      lock.in(p).pttl(),
    ]);
    expect(results.slice(0, 2)).to.deep.equal([true, true]);
    expect(results[2]).to.be.a('number').within(1, 5000);
  });

  it('pipeline on a warmed connection after SCRIPT FLUSH: still in order, scripts loaded, never EVAL', async () => {
    const first = new Guard(uniq());
    await Main.pipeline((p) => [first.in(p).acquire({ ttl: 5000 })]);
    await target().rawAll('SCRIPT', 'FLUSH');
    // Locks spread over many keys: on the cluster, over every master.
    const locks = Array.from({ length: 12 }, () => new Guard(uniq()));
    const evals = sum(await commandCalls(target(), 'eval'));
    const loads = sum(await commandCalls(target(), 'script|load'));
    const results = await Main.pipeline((p) =>
      locks.flatMap((lock) => [lock.in(p).acquire({ ttl: 5000 }), lock.in(p).locked()]),
    );
    expect(results).to.deep.equal(locks.flatMap(() => [true, true]));
    expect(sum(await commandCalls(target(), 'eval'))).to.equal(evals);
    // One SCRIPT LOAD per script and server, not one per command.
    const loaded = sum(await commandCalls(target(), 'script|load')) - loads;
    expect(loaded).to.be.within(1, target().masters);
  });

  it('transaction: scripts are loaded before MULTI and run as EVALSHA inside it', async () => {
    const lock = new Guard(`{${uniq()}}`);
    const evals = sum(await commandCalls(target(), 'eval'));
    const [acquired, locked, pttl] = await Main.transaction((t) => [
      lock.in(t).acquire({ ttl: 5000 }),
      lock.in(t).locked(),
      lock.in(t).pttl(),
    ]);
    expect([acquired, locked]).to.deep.equal([true, true]);
    expect(pttl).to.be.a('number').within(1, 5000);
    expect(sum(await commandCalls(target(), 'eval'))).to.equal(evals);
  });

  it('watch: a script in the write phase runs on an empty cache', async () => {
    const lock = new Guard(uniq());
    const [acquired] = await Main.watch([lock], async (tx) => {
      expect(await lock.in(tx).locked()).to.equal(false);
      return (t) => [lock.in(t).acquire({ ttl: 5000 })];
    });
    expect(acquired).to.equal(true);
    expect(await lock.owned()).to.equal(true);
  });

  it('watch: a script in the read phase runs on an empty cache', async () => {
    // Another key of the same slot: writing a watched key would make EXEC fail on purpose.
    const tag = uniq();
    const watched = new Guard(`{${tag}}:watched`);
    const lock = new Guard(`{${tag}}:other`);
    const [locked] = await Main.watch([watched], async (tx) => {
      expect(await lock.in(tx).acquire({ ttl: 5000 })).to.equal(true);
      return (t) => [lock.in(t).locked()];
    });
    expect(locked).to.equal(true);
  });
});
