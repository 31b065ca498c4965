import { expect } from 'chai';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import {
  Cache,
  Connection,
  Counter,
  Lock,
  ReliableQueue,
  serializer,
  traceKeys,
  WrongTypeError,
  type BatchContext,
  type ConnectionEvent,
  type ModelEvent,
  type OperationContext,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, connectionTo, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/**
 * The diagnostics channels (core/tracing.ts): one trace per direct or watch operation with
 * exactly one end, one per batch, connection and model events, key hiding, and the counters of
 * `Connection.metrics()`.
 */

type Phase = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error';

/** Records every event of a tracing channel while `body` runs (and unsubscribes after). */
async function recordTraces<C>(name: string, body: () => Promise<unknown>) {
  const seen: Array<{ phase: Phase; context: C }> = [];
  const on = (phase: Phase) => (context: unknown) =>
    seen.push({ phase, context: { ...(context as C) } });
  const handlers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  const channel = tracingChannel(name);
  channel.subscribe(handlers);
  try {
    await body();
  } finally {
    channel.unsubscribe(handlers);
  }
  return seen;
}

/** Records the messages of a plain channel while `body` runs. */
async function recordEvents<E>(name: string, body: () => Promise<unknown>): Promise<E[]> {
  const seen: E[] = [];
  const listener = (message: unknown) => seen.push(message as E);
  subscribe(name, listener);
  try {
    await body();
  } finally {
    unsubscribe(name, listener);
  }
  return seen;
}

describe('diagnostics channels and metrics', function () {
  this.timeout(30_000);
  let server: RedisServer;
  let Main: typeof Connection;
  /** A Counter class of this test's Connection (a model class binds its Connection once). */
  let Hits: typeof Counter;

  before(async () => {
    server = await spawnServer();
  });
  beforeEach(() => {
    const connection = connectionTo(server);
    Main = connection;
    Hits = class Hits extends Counter {
      static override CONNECTION = connection;
    };
  });
  afterEach(async () => {
    traceKeys(true);
    await closeAll();
  });

  it('a direct operation: one trace, start then asyncEnd once, with model, key, command, result', async () => {
    const hits = new Hits(uniq('hits'));
    const seen = await recordTraces<OperationContext>('redisext:operation', () => hits.incr(2));
    expect(seen.map((s) => s.phase)).to.deep.equal(['start', 'end', 'asyncStart', 'asyncEnd']);
    const done = seen[3].context;
    expect(done).to.include({ model: 'Hits', key: hits.key, command: 'INCRBY', batch: 'direct' });
    expect(done.result).to.equal(2);
  });

  it('a failed operation: error, then exactly one asyncEnd, the typed error in the context', async () => {
    const hits = new Hits(uniq('hits'));
    await raw(server, 'RPUSH', hits.key, 'x');
    const seen = await recordTraces<OperationContext>('redisext:operation', () =>
      hits.incr().catch(() => undefined),
    );
    expect(seen.map((s) => s.phase)).to.deep.equal([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    expect(seen[4].context.error).to.be.instanceOf(WrongTypeError);
  });

  it('traceKeys(false) leaves keys out of traces and events', async () => {
    traceKeys(false);
    const hits = new Hits(uniq('hits'));
    const seen = await recordTraces<OperationContext>('redisext:operation', () => hits.incr());
    expect(seen[0].context.model).to.equal('Hits');
    expect(seen.every((s) => s.context.key === undefined)).to.equal(true);
  });

  it('a pipeline: one batch trace listing its operations, no trace per queued operation', async () => {
    const a = new Hits(uniq('a'));
    const b = new Hits(uniq('b'));
    let operations = 0;
    const count = () => operations++;
    const ops = tracingChannel('redisext:operation');
    ops.start.subscribe(count);
    try {
      const seen = await recordTraces<BatchContext>('redisext:batch', () =>
        Main.pipeline((p) => [a.in(p).incr(), b.in(p).incr(5)]),
      );
      const done = seen.find((s) => s.phase === 'asyncEnd')!.context;
      expect(done.batch).to.equal('pipeline');
      expect(done.operations).to.deep.equal([
        { model: 'Hits', key: a.key, command: 'INCRBY' },
        { model: 'Hits', key: b.key, command: 'INCRBY' },
      ]);
      expect(done.result).to.deep.equal([1, 5]);
    } finally {
      ops.start.unsubscribe(count);
    }
    expect(operations).to.equal(0);
  });

  it("watch(): the body's reads are traced as 'watch' operations", async () => {
    const hits = new Hits(uniq('hits'));
    const seen = await recordTraces<OperationContext>('redisext:operation', () =>
      Main.watch([hits.key], async (tx) => {
        const now = await hits.in(tx).get();
        return (t) => [hits.in(t).incr(now ?? 1)];
      }),
    );
    const reads = seen.filter((s) => s.phase === 'asyncEnd').map((s) => s.context);
    expect(reads.map((c) => [c.command, c.batch])).to.deep.equal([['GET', 'watch']]);
  });

  it('connection events: a connect, a script loaded again after SCRIPT FLUSH', async () => {
    class Jobs extends Lock {
      static override CONNECTION = Main;
    }
    const events = await recordEvents<ConnectionEvent>('redisext:connection', async () => {
      const lock = new Jobs(uniq('lock'));
      await lock.locked(); // connects
      await raw(server, 'SCRIPT', 'FLUSH');
      await lock.acquire();
    });
    const address = `127.0.0.1:${server.port}`;
    expect(events).to.deep.include({ event: 'connect', address, detail: 'shared' });
    expect(events).to.deep.include({ event: 'script-reload', detail: 'lock-acquire-3' });
  });

  it('model events: lock acquire (fence, wait) and release; cache hit and miss', async () => {
    class Jobs extends Lock {
      static override CONNECTION = Main;
    }
    class Users extends Cache<string> {
      static override CONNECTION = Main;
    }
    const lock = new Jobs(uniq('lock'));
    const users = new Users(uniq('users'));
    const events = await recordEvents<ModelEvent>('redisext:model', async () => {
      await lock.acquire();
      await lock.release();
      await users.set('ann', 'x');
      await users.get('ann');
      await users.get('bob');
    });
    expect(events).to.deep.equal([
      { event: 'lock-acquire', model: 'Jobs', key: lock.key, fence: 1, waited: 0 },
      { event: 'lock-release', model: 'Jobs', key: lock.key },
      { event: 'cache-hit', model: 'Users', key: `${users.key}:ann` },
      { event: 'cache-miss', model: 'Users', key: `${users.key}:bob` },
    ]);
  });

  it('model events: a lock waited for (lock-wait, then the time waited), and a lock lost', async () => {
    class Jobs extends Lock {
      static override CONNECTION = Main;
    }
    const key = uniq('lock');
    const holder = new Jobs(key);
    const lost = new Jobs(uniq('lost'));
    const events = await recordEvents<ModelEvent>('redisext:model', async () => {
      await holder.acquire();
      const waiter = new Jobs(key).acquire({ wait: 5_000 });
      setTimeout(() => void holder.release(), 200);
      expect(await waiter).to.equal(true);
      // Renewed every 100 ms: the renewal after the DEL finds the lock gone.
      await lost.using(
        async (signal) => {
          await raw(server, 'DEL', lost.key);
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        },
        { ttl: 300 },
      );
    });
    const kinds = events.map((e) => e.event);
    expect(kinds.slice(0, 4)).to.deep.equal([
      'lock-acquire',
      'lock-wait',
      'lock-release',
      'lock-acquire',
    ]);
    expect(events[3].waited).to.be.within(150, 2_000);
    expect(events[3].fence).to.equal(2);
    const stats = Jobs.stats();
    expect(stats).to.include({ acquired: 3, waited: 1, lost: 1 });
    expect(stats.waitedMs).to.be.within(150, 2_000);
    expect(stats.maxWaitMs).to.equal(stats.waitedMs);
    expect(Jobs.stats({ reset: true }).acquired).to.equal(3);
    expect(Jobs.stats().acquired).to.equal(0);
    expect(events.slice(4).map(({ event, key, fence }) => ({ event, key, fence }))).to.deep.equal([
      { event: 'lock-acquire', key: lost.key, fence: 1 },
      { event: 'lock-lose', key: lost.key, fence: 1 },
    ]);
  });

  it('model events: a reliable queue push, pop and ack', async () => {
    class Mail extends ReliableQueue<string> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.String;
    }
    const mail = new Mail(uniq('mail'));
    const events = await recordEvents<ModelEvent>('redisext:model', async () => {
      await mail.push('hello');
      const delivery = await mail.pop();
      await delivery!.ack();
    });
    expect(events.map((e) => [e.event, e.model, e.count])).to.deep.equal([
      ['queue-push', 'Mail', 1],
      ['queue-pop', 'Mail', 1],
      ['queue-ack', 'Mail', 1],
    ]);
  });

  it('Connection.metrics(): commands sent, direct commands failed, connects', async () => {
    const hits = new Hits(uniq('hits'));
    await hits.incr();
    const before = Main.metrics();
    expect(before.connects).to.equal(1);
    await Promise.all([hits.incr(), hits.incr(), hits.get()]);
    await raw(server, 'RPUSH', `${hits.key}:list`, 'x');
    await new Hits(`${hits.key}:list`).incr().catch(() => undefined);
    const after = Main.metrics();
    expect(after.commands - before.commands).to.equal(4);
    expect(after.errors - before.errors).to.equal(1);
    expect(after).to.include({ connects: 1, reconnects: 0, drops: 0 });
  });
});
