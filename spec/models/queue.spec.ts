import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ArgumentError,
  ConfigError,
  DecodeError,
  EncodeError,
  Model,
  serializer,
  WrongTypeError,
  type BlockingPopOptions,
  type ConsumeOptions,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import type { DirectOnly } from '../../src/batch/types.js';
import { integer } from '../../src/core/decoders.js';
import { sideKey } from '../../src/core/keys.js';
import {
  blockingPop,
  consume,
  type BlockingCommand,
  type BlockingHost,
} from '../../src/models/blocking-pop.js';
import { Queue } from '../../src/models/queue.js';
import { nullable } from '../../src/models/values.js';
import { eventually, modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import {
  blockedIds,
  blockedNamed,
  clientsNamed,
  commandCalls,
  expectEachItemOnce,
  expectPopAborts,
  expectPopLeavesConnectionFree,
  onEachTopology,
  sharedConnections,
  type NamedConnection,
  type Target,
} from '../support/targets.js';

/** The position (in `rawAll` order) of the master holding `key`'s slot; 0 on a standalone server. */
async function ownerOf(target: Target, key: string): Promise<number> {
  if (target.kind === 'standalone') return 0;
  const slot = Number(await target.raw('CLUSTER', 'KEYSLOT', key));
  const holds = (range: string): boolean => {
    const [low, high = low] = range.split('-').map(Number);
    return slot >= low && slot <= high;
  };
  return (await target.rawAll('CLUSTER', 'NODES')).findIndex((view) =>
    String(view)
      .split('\n')
      .some((line) => line.includes('myself') && line.split(' ').slice(8).some(holds)),
  );
}

/** How many `CLIENT UNBLOCK` each node has run so far. */
function unblockCalls(target: Target): Promise<number[]> {
  return commandCalls(target, 'client|unblock');
}

/** The nodes whose `CLIENT UNBLOCK` count grew since `before`. */
async function unblockedOn(target: Target, before: number[]): Promise<number[]> {
  const after = await unblockCalls(target);
  return after.flatMap((calls, node) => (calls > before[node] ? [node] : []));
}

onEachTopology('Queue', (target) => {
  let Main: NamedConnection;
  let Other: NamedConnection;
  before(() => {
    Main = target().namedConnection();
    Other = target().namedConnection();
  });

  const queueOn = <T>(connection: typeof Connection, ser?: Serializer<unknown>) =>
    modelClass(Queue<T>, connection, ser, 'Jobs');
  const queueWith = <T>(ser?: Serializer<unknown>) => queueOn<T>(Main, ser);

  it('an empty queue: pop() null, items() [], size() 0, peek() null', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    expect(await q.pop()).to.equal(null);
    expect(await q.items()).to.deep.equal([]);
    expect(await q.size()).to.equal(0);
    expect(await q.peek()).to.equal(null);
    expect(await q.exists()).to.equal(false);
  });

  it('pops first in, first out; push returns the new length; items() is oldest first', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    expect(await q.push('a')).to.equal(1);
    expect(await q.push('b', 'c')).to.equal(3);
    expect(await q.size()).to.equal(3);
    expect(await q.items()).to.deep.equal(['a', 'b', 'c']);
    expect(await q.peek()).to.equal('a');
    expect(await q.pop()).to.equal('a');
    expect(await q.pop()).to.equal('b');
    await q.push('d');
    expect(await q.pop()).to.equal('c');
    expect(await q.pop()).to.equal('d');
    expect(await q.pop()).to.equal(null);
  });

  it('stores a list pushed at the head (LPUSH) and popped at the tail, as the Python ancestor', async () => {
    const Q = class extends queueWith<unknown>(serializer.JSON) {
      static override PREFIX = 'app:jobs';
    };
    const name = uniq();
    const q = new Q(name);
    await q.push({ n: 1 }, { n: 2 });
    expect(q.key).to.equal(`app:jobs:${name}`);
    expect(await target().raw('TYPE', `app:jobs:${name}`)).to.equal('list');
    expect(await target().raw('LRANGE', q.key, '0', '-1')).to.deep.equal(['{"n":2}', '{"n":1}']);
    expect(await target().raw('RPOP', q.key)).to.equal('{"n":1}');
    // A value pushed by a plain client (or by the Python redisext) is popped by the model.
    await target().raw('LPUSH', q.key, '{"a":1}');
    expect(await q.pop()).to.deep.equal({ n: 2 });
    expect(await q.pop()).to.deep.equal({ a: 1 });
  });

  it('push() needs an item and refuses what cannot be stored, sending nothing', async () => {
    const Q = queueWith<unknown>(serializer.JSON);
    const q = new Q(uniq());
    await rejects(() => q.push(), ArgumentError, /at least one item/);
    await rejects(() => q.push(1, null), EncodeError, /null/);
    await rejects(() => q.push(undefined), EncodeError);
    expect(await q.exists()).to.equal(false);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other values through ${name} (pop, items, blocking pop)`, async () => {
      const Q = queueWith<unknown>(ser);
      const q = new Q(uniq());
      await q.push(...values);
      expect(await q.items()).to.deep.equal(values);
      expect(await q.peek()).to.deep.equal(values[0]);
      const popped: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        popped.push(i % 2 === 0 ? await q.pop() : await q.pop({ timeout: 1000 }));
      }
      expect(popped).to.deep.equal(values);
      expect(await q.pop()).to.equal(null);
    });
  }

  it('a value the serializer cannot decode is a DecodeError naming the model', async () => {
    const Q = queueWith<unknown>(serializer.JSON);
    const q = new Q(uniq());
    await target().raw('LPUSH', q.key, 'not json');
    const error = await rejects(() => q.pop(), DecodeError, /Jobs/);
    expect(error.key).to.equal(q.key);
  });

  it('a key of another type is a WrongTypeError, blocking pop included', async () => {
    const Q = queueWith<string>();
    const q = new Q(uniq());
    await target().raw('SET', q.key, 'x');
    await rejects(() => q.push('a'), WrongTypeError);
    await rejects(() => q.pop(), WrongTypeError);
    await rejects(() => q.pop({ timeout: 100 }), WrongTypeError);
    await rejects(() => q.size(), WrongTypeError);
    await rejects(() => q.items(), WrongTypeError);
    await rejects(() => q.peek(), WrongTypeError);
    const error = await rejects(async () => {
      for await (const _ of q.consume({ timeout: 100 })) expect.fail('nothing to consume');
    }, WrongTypeError);
    expect(error.key).to.equal(q.key);
  });

  describe('blocking pop', () => {
    it('returns an item pushed later by another connection', async () => {
      const Q = queueWith<string>();
      const OtherQ = queueOn<string>(Other);
      const name = uniq();
      const pending = new Q(name).pop({ timeout: 5000 });
      await eventually(async () => (await blockedNamed(target(), Main.clientName)) === 1);
      await new OtherQ(name).push('late');
      expect(await pending).to.equal('late');
    });

    it('returns null after its timeout (milliseconds)', async () => {
      const Q = queueWith<string>();
      const started = Date.now();
      expect(await new Q(uniq()).pop({ timeout: 150 })).to.equal(null);
      expect(Date.now() - started).to.be.within(100, 4000);
    });

    it('timeout 0 waits until an item comes', async () => {
      const Q = queueWith<string>();
      const q = new Q(uniq());
      let done = false;
      const pending = q.pop({ timeout: 0 }).finally(() => (done = true));
      await sleep(300);
      expect(done).to.equal(false);
      await target().raw('LPUSH', q.key, 'finally');
      expect(await pending).to.equal('finally');
    });

    it('validates the timeout before sending anything', async () => {
      const Lonely = target().namedConnection();
      const q = new (queueOn<string>(Lonely))(uniq());
      for (const timeout of [-1, 1.5, NaN, Infinity]) {
        await rejects(() => q.pop({ timeout }), ArgumentError, /milliseconds/);
      }
      expect(await clientsNamed(target(), Lonely.clientName)).to.equal(0);
    });

    it('a signal already aborted rejects at once, without connecting', async () => {
      const Lonely = target().namedConnection();
      const q = new (queueOn<string>(Lonely))(uniq());
      const reason = new Error('stopped');
      await rejects(
        () => q.pop({ timeout: 0, signal: AbortSignal.abort(reason) }),
        Error,
        /^stopped$/,
      );
      expect(await clientsNamed(target(), Lonely.clientName)).to.equal(0);
    });

    it('aborting a blocked pop rejects with the reason and closes its connection', async () => {
      const Conn = target().namedConnection();
      const q = new (queueOn<string>(Conn))(uniq());
      expect(await q.size()).to.equal(0); // opens the shared connection (one per master)
      const shared = sharedConnections(target());
      const owner = await ownerOf(target(), q.key);
      const controller = new AbortController();
      const pending = q.pop({ timeout: 0, signal: controller.signal });
      await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 1);
      // Blocked on the master of the key's slot.
      const [blocked] = await blockedIds(target(), Conn.clientName);
      expect(blocked.split(':')[0]).to.equal(String(owner));
      await eventually(async () => (await clientsNamed(target(), Conn.clientName)) === shared + 1);
      const unblocks = await unblockCalls(target());
      controller.abort();
      const error = await rejects(() => pending, DOMException);
      expect(error.name).to.equal('AbortError');
      // Ended by CLIENT UNBLOCK sent to that same node (not by closing the connection).
      expect(await unblockedOn(target(), unblocks)).to.deep.equal([owner]);
      await eventually(async () => (await clientsNamed(target(), Conn.clientName)) === shared);
      expect(await blockedNamed(target(), Conn.clientName)).to.equal(0);
    });

    it('an abort racing with a push never loses the item', async () => {
      const Q = queueWith<string>();
      const OtherQ = queueOn<string>(Other);
      let delivered = 0;
      let aborted = 0;
      for (let round = 0; round < 30; round++) {
        const name = uniq();
        const controller = new AbortController();
        const pending = new Q(name).pop({ timeout: 0, signal: controller.signal });
        await eventually(async () => (await blockedNamed(target(), Main.clientName)) >= 1);
        const outcome = pending.then(
          (item) => item,
          (error: Error) => error,
        );
        if (round % 3 === 0) {
          // Abort first: the pop must give up and leave the later push queued.
          controller.abort();
          await outcome;
          await new OtherQ(name).push(`item-${round}`);
        } else {
          // Push and abort at (nearly) the same time: either outcome, but no loss.
          const pushed = new OtherQ(name).push(`item-${round}`);
          if (round % 3 === 2) await sleep(0);
          controller.abort();
          await pushed;
        }
        const result = await outcome;
        const left = await new Q(name).size();
        if (result instanceof Error) {
          expect(result.name).to.equal('AbortError');
          aborted++;
          expect(left, 'an aborted pop must leave the item queued').to.equal(1);
        } else {
          expect(result).to.equal(`item-${round}`);
          delivered++;
          expect(left).to.equal(0);
        }
        await eventually(async () => (await blockedNamed(target(), Main.clientName)) === 0);
      }
      expect(aborted).to.be.at.least(10);
      expect(delivered + aborted).to.equal(30);
    });

    it('does not delay the other commands of its Connection', async () => {
      const q = new (queueWith<string>())(uniq());
      await expectPopLeavesConnectionFree(target(), Main, q, (key, item) =>
        target().raw('LPUSH', key, item),
      );
    });
  });

  describe('consume()', () => {
    it('yields items pushed after it started, in FIFO order, on ONE connection; abort ends it', async () => {
      const Conn = target().namedConnection();
      const q = new (queueOn<number>(Conn, serializer.JSON))(uniq());
      const producer = new (queueOn<number>(Other, serializer.JSON))(q.key);
      expect(await q.size()).to.equal(0); // the shared connection
      const other = new (queueOn<number>(Conn, serializer.JSON))(uniq());
      const controller = new AbortController();
      const got: number[] = [];
      let sidePop: Promise<number | null> | undefined;
      const consuming = (async () => {
        for await (const item of q.consume({ signal: controller.signal })) {
          // A blocking pop of the same Connection meanwhile must not take its connection away.
          sidePop ??= other.pop({ timeout: 200 });
          got.push(item);
        }
      })();
      await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 1);
      const [first] = await blockedIds(target(), Conn.clientName);
      expect(first.split(':')[0]).to.equal(String(await ownerOf(target(), q.key)));
      for (let i = 0; i < 5; i++) await producer.push(i * 2, i * 2 + 1);
      await eventually(() => got.length === 10);
      expect(got).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await sidePop).to.equal(null);
      // One dedicated connection for the whole iteration.
      await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 1);
      expect(await blockedIds(target(), Conn.clientName)).to.deep.equal([first]);
      const before = await clientsNamed(target(), Conn.clientName);
      const unblocks = await unblockCalls(target());
      controller.abort();
      await consuming; // completes without an error
      expect(await unblockedOn(target(), unblocks)).to.deep.equal([Number(first.split(':')[0])]);
      // The consuming connection is gone (the shared one and the idle one of the other pop stay).
      await eventually(async () => (await clientsNamed(target(), Conn.clientName)) === before - 1);
      expect(await blockedNamed(target(), Conn.clientName)).to.equal(0);
      expect(await q.size()).to.equal(0);
    });

    it('stops when the consumer breaks out, releasing its connection for reuse', async () => {
      const Conn = target().namedConnection();
      const q = new (queueOn<string>(Conn))(uniq());
      await q.push('a', 'b', 'c');
      const got: string[] = [];
      for await (const item of q.consume()) {
        got.push(item);
        if (got.length === 2) break;
      }
      expect(got).to.deep.equal(['a', 'b']);
      expect(await q.items()).to.deep.equal(['c']);
      expect(await blockedNamed(target(), Conn.clientName)).to.equal(0);
      const dedicated = await clientsNamed(target(), Conn.clientName);
      expect(await q.pop({ timeout: 100 })).to.equal('c');
      expect(await clientsNamed(target(), Conn.clientName)).to.equal(dedicated);
    });

    it('with a timeout, ends after that long without an item', async () => {
      const Q = queueWith<string>();
      const q = new Q(uniq());
      await q.push('only');
      const got: string[] = [];
      for await (const item of q.consume({ timeout: 150 })) got.push(item);
      expect(got).to.deep.equal(['only']);
    });

    it('an already aborted signal ends it at once; bad options throw', async () => {
      const Lonely = target().namedConnection();
      const q = new (queueOn<string>(Lonely))(uniq());
      await target().raw('LPUSH', q.key, 'kept');
      for await (const _ of q.consume({ signal: AbortSignal.abort() })) expect.fail('aborted');
      expect(() => q.consume({ timeout: -5 })).to.throw(ArgumentError);
      expect(await clientsNamed(target(), Lonely.clientName)).to.equal(0);
      expect(await target().raw('LLEN', q.key)).to.equal(1);
    });

    it('a value that cannot be decoded ends the iteration with a DecodeError', async () => {
      const Q = queueWith<unknown>(serializer.JSON);
      const q = new Q(uniq());
      await target().raw('LPUSH', q.key, '1', 'oops', '2');
      const got: unknown[] = [];
      await rejects(async () => {
        for await (const item of q.consume({ timeout: 100 })) got.push(item);
      }, DecodeError);
      expect(got).to.deep.equal([1]);
      expect(await q.pop()).to.equal(2);
    });
  });

  it('20 consumers on several connections get each of 2,000 items exactly once', async () => {
    const connections = [Main, Other, target().namedConnection(), target().namedConnection()];
    const name = uniq();
    const on = (connection: typeof Connection) =>
      new (queueOn<number>(connection, serializer.JSON))(name);
    const producer = on(Other);
    await expectEachItemOnce(
      target(),
      Array.from({ length: 20 }, (_, i) => on(connections[i % connections.length])),
      (items) => producer.push(...items),
    );
  });
});

/**
 * A tiny model built on the shared blocking pop, as a reliable queue would be: a list whose pops
 * do not remove the oldest item but move it to an in-flight list (`LMOVE`, blocking: `BLMOVE`,
 * whose reply is the moved element itself), where it stays until handled. All it writes of the
 * blocking part is the command and how to read its reply.
 */
class InFlightList<T = string> extends Model {
  /** The in-flight list, in the slot of the main key. */
  get inflight(): string {
    return sideKey(this.key, 'inflight');
  }

  push(...items: T[]): Promise<number> {
    return this.write(['LPUSH', this.key, ...items.map((item) => this.encode(item))], integer);
  }

  pop(options: BlockingPopOptions): DirectOnly<T | null>;
  pop(): Promise<T | null>;
  pop(options?: BlockingPopOptions): Promise<T | null> {
    if (options === undefined) {
      const args = ['LMOVE', this.key, this.inflight, 'RIGHT', 'LEFT'];
      return this.write(args, nullable(this.serializer as Serializer<T>));
    }
    return blockingPop(this.#host, this.#take, options);
  }

  consume(options?: ConsumeOptions): AsyncGenerator<T, void, undefined> {
    return consume(this.#host, this.#take, options);
  }

  size(): Promise<number> {
    return this.read(['LLEN', this.key], integer);
  }

  get #take(): BlockingCommand<T> {
    const { key, inflight } = this;
    const ser = this.serializer as Serializer<T>;
    return {
      command: (timeout) => ['BLMOVE', key, inflight, 'RIGHT', 'LEFT', timeout],
      value: (reply) => ser.decode(reply as string | Buffer),
      giveBack: () => ['LMOVE', inflight, key, 'LEFT', 'RIGHT'],
    };
  }

  get #host(): BlockingHost {
    return this.tools();
  }
}

onEachTopology('a BLMOVE model on the shared blocking pop', (target) => {
  let Main: NamedConnection;
  let Other: NamedConnection;
  before(() => {
    Main = target().namedConnection();
    Other = target().namedConnection();
  });

  const listOn = <T>(connection: typeof Connection, ser?: Serializer<unknown>) =>
    modelClass(InFlightList<T>, connection, ser, 'Tasks');
  const inflight = (list: InFlightList<unknown>) =>
    target().raw('LRANGE', list.inflight, '0', '-1');

  it('pop({ timeout }) moves the oldest item to the in-flight list; null after its timeout', async () => {
    const list = new (listOn<string>(Main))(uniq());
    await list.push('a', 'b');
    expect(await list.pop({ timeout: 1000 })).to.equal('a');
    expect(await list.pop()).to.equal('b');
    const started = Date.now();
    expect(await list.pop({ timeout: 120 })).to.equal(null);
    expect(Date.now() - started).to.be.within(80, 4000);
    expect(await inflight(list)).to.deep.equal(['b', 'a']);
    expect(await list.size()).to.equal(0);
    await rejects(() => list.pop({ timeout: -1 }), ArgumentError, /milliseconds/);
  });

  it('waits for an item pushed later, on a dedicated connection; batches refuse it', async () => {
    const list = new (listOn<string>(Main))(uniq());
    await expectPopLeavesConnectionFree(target(), Main, list, (key, item) =>
      target().raw('LPUSH', key, item),
    );
    expect(await inflight(list)).to.deep.equal(['x']);
    await rejects(
      // @ts-expect-error -- a blocking pop is not batchable: refused by the types too
      () => Main.pipeline((p) => [list.in(p).pop({ timeout: 10 })]),
      ConfigError,
      /pop\(options\) cannot run inside a pipeline/,
    );
  });

  it('an abort rejects with its reason (CLIENT UNBLOCK) and never loses a racing item', async () => {
    const Conn = target().namedConnection();
    await expectPopAborts(target(), Conn, new (listOn<string>(Conn))(uniq()), new Error('stop'));
    const total = async () => (await unblockCalls(target())).reduce((sum, n) => sum + n, 0);
    const unblocks = await total();
    let aborted = 0;
    for (let round = 0; round < 12; round++) {
      const list = new (listOn<string>(Main))(uniq());
      const controller = new AbortController();
      const outcome = list.pop({ timeout: 0, signal: controller.signal }).then(
        (item) => item,
        (error: Error) => error,
      );
      await eventually(async () => (await blockedNamed(target(), Main.clientName)) >= 1);
      const push = () => new (listOn<string>(Other))(list.key).push(`item-${round}`);
      if (round % 3 === 0) {
        // Abort first: the pop gives up, and the later push stays queued.
        controller.abort();
        await outcome;
        await push();
      } else {
        // Push and abort at (nearly) the same time: either outcome, but no loss.
        const pushed = push();
        if (round % 3 === 2) await sleep(0);
        controller.abort();
        await pushed;
      }
      const result = await outcome;
      if (result instanceof Error) {
        aborted++;
        expect(result.name).to.equal('AbortError');
        expect(await list.size(), 'an aborted pop leaves the item queued').to.equal(1);
        expect(await inflight(list)).to.deep.equal([]);
      } else {
        expect(result).to.equal(`item-${round}`);
        expect(await list.size()).to.equal(0);
        expect(await inflight(list)).to.deep.equal([result]);
      }
      await eventually(async () => (await blockedNamed(target(), Main.clientName)) === 0);
    }
    expect(aborted).to.be.at.least(4);
    // Each wait was ended by CLIENT UNBLOCK (at least those aborted before the push).
    expect((await total()) - unblocks).to.be.at.least(4);
  });

  it('consume() moves items one by one on one connection until its signal aborts', async () => {
    const Conn = target().namedConnection();
    const list = new (listOn<number>(Conn, serializer.JSON))(uniq());
    await list.push(1, 2);
    const controller = new AbortController();
    const got: number[] = [];
    const consuming = (async () => {
      for await (const item of list.consume({ signal: controller.signal })) got.push(item);
    })();
    await eventually(() => got.length === 2);
    await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 1);
    const [blocked] = await blockedIds(target(), Conn.clientName);
    await new (listOn<number>(Other, serializer.JSON))(list.key).push(3);
    await eventually(() => got.length === 3);
    expect(await blockedIds(target(), Conn.clientName)).to.deep.equal([blocked]);
    controller.abort();
    await consuming;
    expect(got).to.deep.equal([1, 2, 3]);
    expect(await inflight(list)).to.deep.equal(['3', '2', '1']);
    await eventually(async () => (await blockedNamed(target(), Conn.clientName)) === 0);
  });

  it('a value its reader cannot decode is a DecodeError naming the model (the item was moved)', async () => {
    const list = new (listOn<unknown>(Main, serializer.JSON))(uniq());
    await target().raw('LPUSH', list.key, 'not json');
    const error = await rejects(() => list.pop({ timeout: 1000 }), DecodeError, /Tasks/);
    expect(error.key).to.equal(list.key);
    expect(await inflight(list)).to.deep.equal(['not json']);
  });
});
