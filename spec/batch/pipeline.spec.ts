import { expect } from 'chai';
import {
  ConfigError,
  Connection,
  Counter,
  HashMap,
  Lock,
  Pool,
  PriorityQueue,
  Queue,
  SortedSet,
  Stack,
  Map as RMap,
  model,
  PipelineError,
  serializer,
  TransactionError,
  WatchConflictError,
  WrongTypeError,
} from '../../src/index.js';
import { closeAll, connectionTo, eventually, raw, rejects, uniq } from '../support/helpers.js';
import { startProxy, type CountingProxy } from '../support/proxy.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { spawnServer, standalone } from '../support/topology.js';

interface Profile {
  name: string;
  visits: number;
}

describe('pipelines and transactions', () => {
  let server: RedisServer;
  let Main: ReturnType<typeof connectionTo>;
  before(async () => {
    server = await standalone();
    Main = connectionTo(server);
  });
  // Every test starts on an empty script cache (as after a restart or a failover).
  beforeEach(() => raw(server, 'SCRIPT', 'FLUSH'));
  after(closeAll);

  function models(connection: typeof Connection) {
    @model({ connection, prefix: 'hits' })
    class Hits extends Counter {}
    @model({ connection, serializer: serializer.JSON, prefix: 'profiles' })
    class Profiles extends RMap<Profile> {}
    @model({ connection, serializer: serializer.Typed, prefix: 'stamps' })
    class Stamps extends RMap<Date> {}
    @model({ connection, prefix: 'names' })
    class Names extends RMap<string> {}
    return { Hits, Profiles, Stamps, Names };
  }

  describe('pipeline', () => {
    it('returns typed, decoded results in order', async () => {
      const { Hits, Profiles, Stamps, Names } = models(Main);
      const id = uniq();
      await new Profiles(id).set({ name: 'Ann', visits: 0 });
      const when = new Date('2024-01-02T03:04:05.000Z');
      const [hits, stored, profile, stampSet, stamp, missing, size] = await Main.pipeline((p) => [
        new Hits(id).in(p).incr(5),
        new Names(id).in(p).set('x'),
        new Profiles(id).in(p).get(),
        new Stamps(id).in(p).set(when),
        new Stamps(id).in(p).get(),
        new Names(uniq()).in(p).get(),
        p.raw(['STRLEN', new Names(id).key], { readonly: true }),
      ]);
      const typed: [number, boolean, Profile | null, boolean, Date | null, string | null] = [
        hits,
        stored,
        profile,
        stampSet,
        stamp,
        missing,
      ];
      expect(typed).to.deep.equal([5, true, { name: 'Ann', visits: 0 }, true, when, null]);
      expect(stamp).to.be.instanceOf(Date);
      expect(size).to.equal(1);
    });

    it('batches operations of many model types, each decoded by its own serializer', async () => {
      const id = uniq('many');
      @model({ connection: Main, serializer: serializer.JSON, prefix: 'q' })
      class Jobs extends Queue<{ job: number }> {}
      @model({ connection: Main, serializer: serializer.JSON, prefix: 'h' })
      class Users extends HashMap<Profile> {}
      @model({ connection: Main, serializer: serializer.Numeric, prefix: 'p' })
      class Seen extends Pool<number> {}
      @model({ connection: Main, prefix: 'z' })
      class Board extends SortedSet<string> {}
      @model({ connection: Main, serializer: serializer.Typed, prefix: 'pq' })
      class Urgent extends PriorityQueue<Date> {}
      @model({ connection: Main, prefix: 's' })
      class Undo extends Stack<string> {}
      @model({ connection: Main, prefix: 'l' })
      class Guard extends Lock {}
      const { Hits } = models(Main);
      const lock = new Guard(id);
      const results = await Main.pipeline((p) => [
        new Hits(id).in(p).incr(),
        new Jobs(id).in(p).push({ job: 1 }, { job: 2 }),
        new Jobs(id).in(p).pop(),
        new Users(id).in(p).set('42', { name: 'Ann', visits: 1 }),
        new Users(id).in(p).get('42'),
        new Seen(id).in(p).push(0),
        new Seen(id).in(p).contains(0),
        new Board(id).in(p).add('ann', 5),
        new Board(id).in(p).score('ann'),
        new Urgent(id).in(p).push(new Date(0), 1),
        new Urgent(id).in(p).pop(),
        new Undo(id).in(p).push('a', 'b'),
        new Undo(id).in(p).pop(),
        lock.in(p).acquire({ ttl: 5000 }),
      ]);
      const [
        hits,
        length,
        job,
        added,
        user,
        pushed,
        contains,
        isNew,
        score,
        urgentNew,
        urgent,
        depth,
        undo,
        locked,
      ] = results;
      const typed: [
        number,
        number,
        { job: number } | null,
        boolean,
        Profile | null,
        boolean | number, // Pool.push is overloaded (one item: boolean, several: count)
        boolean,
      ] = [hits, length, job, added, user, pushed, contains];
      expect(typed).to.deep.equal([1, 2, { job: 1 }, true, { name: 'Ann', visits: 1 }, true, true]);
      expect([isNew, score, urgentNew, depth, undo, locked]).to.deep.equal([
        true,
        5,
        true,
        2,
        'b',
        true,
      ]);
      expect(urgent).to.be.instanceOf(Date);
      expect(await lock.owned()).to.equal(true);
      expect(await lock.release()).to.equal(true);
    });

    it('reaches the server in one round trip (counted by a proxy)', async () => {
      const proxy: CountingProxy = await startProxy(server);
      try {
        class Proxied extends Connection {
          static override MASTER = proxy.url;
        }
        const { Hits, Names } = models(Proxied);
        const id = uniq();
        await new Hits(id).get(); // connect first: the handshake is not part of the batch
        proxy.reset();
        await Proxied.pipeline((p) => [
          new Hits(id).in(p).incr(),
          new Hits(id).in(p).incr(),
          new Names(id).in(p).set('a'),
          new Names(id).in(p).get(),
          new Hits(`${id}:2`).in(p).decr(),
        ]);
        expect(proxy.phases).to.equal(1);
        proxy.reset();
        for (let i = 0; i < 5; i++) await new Hits(id).incr();
        expect(proxy.phases).to.equal(5);
        await Proxied.close();
      } finally {
        await proxy.close();
      }
    });

    it('a failing command does not hide the others: PipelineError carries results and indexes', async () => {
      const { Hits, Names } = models(Main);
      const list = uniq();
      await raw(server, 'LPUSH', `hits:${list}`, 'x');
      const id = uniq();
      const error = await rejects(
        () =>
          Main.pipeline((p) => [
            new Hits(id).in(p).incr(),
            new Hits(list).in(p).incr(),
            new Names(id).in(p).get(),
            p.raw(['NOSUCHCOMMAND']),
          ]),
        PipelineError,
      );
      expect(error.failures.map((f) => f.index)).to.deep.equal([1, 3]);
      expect(error.failures[0].error).to.be.instanceOf(WrongTypeError);
      expect(error.failures[0].error.message).to.include(list);
      expect(error.results[0]).to.equal(1);
      expect(error.results[2]).to.equal(null);
      expect(await raw(server, 'GET', `hits:${id}`)).to.equal('1');
    });

    it('refuses a model of another Connection before sending anything', async () => {
      const Other = connectionTo(server);
      const { Hits } = models(Other);
      const id = uniq();
      await rejects(
        () => Main.pipeline((p) => [new Hits(id).in(p).incr()]),
        ConfigError,
        /another Connection/,
      );
      expect(await raw(server, 'EXISTS', `hits:${id}`)).to.equal(0);
    });

    it('refuses multi-round-trip operations and foreign values while queuing, sending nothing', async () => {
      @model({ connection: Main, prefix: 'q' })
      class Jobs extends Queue<string> {}
      @model({ connection: Main, prefix: 'l' })
      class Guard extends Lock {}
      const { Hits } = models(Main);
      const id = uniq();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        await rejects(
          () =>
            Main.pipeline((p) => [
              new Hits(id).in(p).incr(),
              // @ts-expect-error -- a blocking pop is not batchable: refused by the types too
              new Jobs(id).in(p).pop({ timeout: 10 }),
            ]),
          ConfigError,
          /cannot run inside a pipeline/,
        );
        await rejects(
          // @ts-expect-error -- cannot run in a batch: refused by the types too
          () => Main.pipeline((p) => [new Guard(id).in(p).using(async () => 1)]),
          ConfigError,
          /cannot run inside a pipeline/,
        );
        await rejects(
          () => Main.pipeline(() => [new Hits(id).incr()] as never),
          ConfigError,
          /not an operation queued in this batch/,
        );
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      expect(unhandled).to.deep.equal([]);
      // Only the direct incr() of the third callback ran. It was sent on the Connection's own
      // client, and this reads on another: wait for it, then check nothing else came.
      await eventually(async () => (await raw(server, 'GET', `hits:${id}`)) !== null, 2_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await raw(server, 'GET', `hits:${id}`)).to.equal('1');
    });

    it('an encode error while queuing sends nothing', async () => {
      @model({ connection: Main, serializer: serializer.Numeric })
      class Nums extends RMap<number> {}
      const { Hits } = models(Main);
      const id = uniq();
      await rejects(
        () => Main.pipeline((p) => [new Hits(id).in(p).incr(), new Nums(id).in(p).set(0.5)]),
        Error,
        /safe integers/,
      );
      expect(await raw(server, 'EXISTS', `hits:${id}`)).to.equal(0);
    });

    it('per-command mode opens exactly one connection for a whole batch', async () => {
      const PerCommand = connectionTo(server, { reuse: false });
      const { Hits } = models(PerCommand);
      const id = uniq();
      const stat = async () =>
        Number(
          /total_connections_received:(\d+)/.exec(String(await raw(server, 'INFO', 'stats')))![1],
        );
      const before = await stat();
      const results = await PerCommand.pipeline((p) =>
        Array.from({ length: 10 }, () => new Hits(id).in(p).incr()),
      );
      expect(await stat()).to.equal(before + 1);
      expect(results).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    });

    it('a read-only batch goes to the replica, a mixed one to the master', async () => {
      const [master, replica] = await Promise.all([spawnServer(), spawnServer()]);
      const Routed = connectionTo(master, { slave: replica });
      const { Names } = models(Routed);
      const id = uniq();
      await raw(master, 'SET', `names:${id}`, 'M');
      await raw(replica, 'SET', `names:${id}`, 'R');
      const [readOnly] = await Routed.pipeline((p) => [new Names(id).in(p).get()]);
      expect(readOnly).to.equal('R');
      const [, mixed] = await Routed.pipeline((p) => [
        new Names(uniq()).in(p).set('w'),
        new Names(id).in(p).get(),
      ]);
      expect(mixed).to.equal('M');
      const [forced] = await Routed.pipeline((p) => [new Names(id).in(p).get()], {
        fromMaster: true,
      });
      expect(forced).to.equal('M');
    });
  });

  describe('transaction', () => {
    it('runs in MULTI/EXEC and returns typed results', async () => {
      const { Hits, Profiles } = models(Main);
      const id = uniq();
      const [count, stored, profile] = await Main.transaction((t) => [
        new Hits(id).in(t).incr(2),
        new Profiles(id).in(t).set({ name: 'Bo', visits: 2 }),
        new Profiles(id).in(t).get(),
      ]);
      const typed: [number, boolean, Profile | null] = [count, stored, profile];
      expect(typed).to.deep.equal([2, true, { name: 'Bo', visits: 2 }]);
    });

    it('is all-or-nothing when a command is invalid: nothing runs', async () => {
      const { Hits, Names } = models(Main);
      const id = uniq();
      const error = await rejects(
        () =>
          Main.transaction((t) => [
            new Hits(id).in(t).incr(),
            t.raw(['INCR']),
            new Names(`${id}:n`).in(t).set('x'),
          ]),
        TransactionError,
      );
      expect(error.aborted).to.equal(true);
      expect(error.failures.map((f) => f.index)).to.deep.equal([1]);
      expect(await raw(server, 'EXISTS', `hits:${id}`)).to.equal(0);
      expect(await raw(server, 'EXISTS', `names:${id}:n`)).to.equal(0);
    });

    it('reports a run-time failure with the others results (Redis does not roll back)', async () => {
      const { Hits } = models(Main);
      const list = uniq();
      await raw(server, 'LPUSH', `hits:${list}`, 'x');
      const id = uniq();
      const error = await rejects(
        () => Main.transaction((t) => [new Hits(id).in(t).incr(), new Hits(list).in(t).incr()]),
        TransactionError,
      );
      expect(error.aborted).to.equal(false);
      expect(error.failures[0].index).to.equal(1);
      expect(error.failures[0].error).to.be.instanceOf(WrongTypeError);
      expect(error.results[0]).to.equal(1);
    });
  });

  describe('watch', () => {
    it('two concurrent read-modify-write loops end with the exact total', async () => {
      @model({ serializer: serializer.Numeric })
      class Balance extends RMap<number> {}
      const key = uniq();
      const loop = async (connection: typeof Connection) => {
        @model({ connection })
        class B extends Balance {}
        const balance = new B(key);
        for (let i = 0; i < 200; i++) {
          await connection.watch(
            [balance],
            async (tx) => {
              const current = (await balance.in(tx).get()) ?? 0;
              return (t) => [balance.in(t).set(current + 1)];
            },
            { attempts: 1000 },
          );
        }
      };
      const A = connectionTo(server);
      const B = connectionTo(server);
      await Promise.all([loop(A), loop(B)]);
      expect(await raw(server, 'GET', key)).to.equal('400');
    });

    it('gives up with a WatchConflictError after the attempts when the key keeps changing', async () => {
      const { Hits } = models(Main);
      const id = uniq();
      const hits = new Hits(id);
      let bodies = 0;
      const error = await rejects(
        () =>
          Main.watch(
            [hits],
            async (tx) => {
              bodies++;
              await hits.in(tx).get();
              await raw(server, 'INCR', hits.key); // another client changes the watched key
              return (t) => [hits.in(t).incr(100)];
            },
            { attempts: 3 },
          ),
        WatchConflictError,
      );
      expect(error.attempts).to.equal(3);
      expect(bodies).to.equal(3);
      expect(await raw(server, 'GET', hits.key)).to.equal('3');
    });

    it('an error in the body unwatches and propagates, the connection stays usable', async () => {
      const { Hits } = models(Main);
      const hits = new Hits(uniq());
      await rejects(
        () =>
          Main.watch([hits], async () => {
            throw new RangeError('business rule');
          }),
        RangeError,
        /business rule/,
      );
      const [value] = await Main.watch([hits], async () => (t) => [hits.in(t).incr()]);
      expect(value).to.equal(1);
    });
  });
});
