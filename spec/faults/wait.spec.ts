import { expect } from 'chai';
import {
  ArgumentError,
  Counter,
  HashMap,
  ReplicationError,
  model,
  type Connection,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, commandCalls, connectionTo, raw, rejects, uniq } from '../support/helpers.js';
import { replicated, standalone } from '../support/topology.js';

/** How many WAIT commands a server has run so far. */
function waits(server: RedisServer): Promise<number> {
  return commandCalls(server, 'wait');
}

/**
 * `static WAIT` (`@model({ wait })`): each direct write waits for replicas (Redis `WAIT`) and
 * rejects with a ReplicationError, carrying the result, when too few had it in time.
 */
describe('faults: writes that wait for replicas (WAIT)', () => {
  let master: RedisServer;
  let replica: RedisServer;
  let Main: typeof Connection;
  before(async () => {
    ({ master, replica } = await replicated());
    Main = connectionTo(master);
  });
  after(closeAll);

  it('a write resolves once a replica has it: one WAIT per write, none per read', async () => {
    @model({ connection: Main, wait: { replicas: 1, timeout: 2000 } })
    class Durable extends Counter {}
    const counter = new Durable(uniq());
    const before = await waits(master);
    expect(await counter.incr()).to.equal(1);
    expect(await counter.incr(2)).to.equal(3);
    expect(await raw(replica, 'GET', counter.key)).to.equal('3'); // there at once
    expect(await counter.get()).to.equal(3);
    expect((await waits(master)) - before).to.equal(2);
  });

  it('too few replicas in time: ReplicationError with the result; the write stays applied', async () => {
    @model({ connection: Main, wait: { replicas: 2, timeout: 150 } })
    class TooMany extends HashMap {}
    const map = new TooMany(uniq());
    const error = await rejects(() => map.set('a', 'x'), ReplicationError, /1 of 2 replicas/);
    expect(error.replicas).to.equal(1);
    expect(error.result).to.equal(true);
    expect(error.model).to.equal('TooMany');
    expect(error.key).to.equal(map.key);
    expect(await map.get('a')).to.equal('x');
  });

  it('without any replica, a write with WAIT rejects within its timeout', async () => {
    const Alone = connectionTo(await standalone());
    @model({ connection: Alone, wait: { replicas: 1, timeout: 100 } })
    class Lonely extends Counter {}
    const counter = new Lonely(uniq());
    const started = performance.now();
    await rejects(() => counter.incr(), ReplicationError, /0 of 1 replicas within 100 ms/);
    expect(performance.now() - started).to.be.below(1500);
    expect(await counter.get()).to.equal(1);
  });

  it('batches do not wait: a pipeline sends no WAIT', async () => {
    @model({ connection: Main, wait: { replicas: 1, timeout: 2000 } })
    class Durable extends Counter {}
    const counter = new Durable(uniq());
    const before = await waits(master);
    await Main.pipeline((p) => [counter.in(p).incr()]);
    expect((await waits(master)) - before).to.equal(0);
  });

  it('a bad WAIT is an ArgumentError naming the model, and nothing is written', async () => {
    for (const wait of [{ replicas: 0, timeout: 100 }, { replicas: 1, timeout: 0 }, 3]) {
      @model({ connection: Main, wait: wait as never })
      class Wrong extends Counter {}
      const counter = new Wrong(uniq());
      await rejects(() => counter.incr(), ArgumentError, /^Wrong: WAIT must be/);
      expect(await raw(master, 'EXISTS', counter.key)).to.equal(0);
    }
  });
});
