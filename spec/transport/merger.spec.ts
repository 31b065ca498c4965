import { expect } from 'chai';
import {
  Connection,
  ConnectionError,
  Lock,
  RateLimiter,
  Semaphore,
  WrongTypeError,
  type ConnectionOptions,
} from '../../src/index.js';
import { mergedCall } from '../../src/core/merged-script.js';
import { Script } from '../../src/core/script.js';
import type { Command } from '../../src/core/command.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, commandCalls, connectionTo, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/**
 * Script calls issued together on one shared connection go as one runner call
 * (transport/merger.ts, core/merged-script.ts): each call runs and answers as it would alone,
 * in the order issued, with its own errors; and the whole still settles typed when the server
 * stops answering.
 */

function limiter(Main: typeof Connection, burst: number) {
  return class Limits extends RateLimiter {
    static override CONNECTION = Main;
    static override LIMITS = [{ rate: 1, per: 60_000, burst }];
  };
}

describe('merged script calls', function () {
  this.timeout(30_000);
  let server: RedisServer;
  before(async () => {
    server = await spawnServer();
  });
  afterEach(closeAll);

  it('a runner call sends each call once, and not the arguments that repeat at the end', () => {
    const script = new Script('demo-1', 'return ARGV[1]');
    const call = (key: string, arg: string): Command => ({
      args: script.evalsha([key], [arg, 'x']),
      write: true,
      script,
    });
    const { script: runner, args } = mergedCall([call('a', '1'), call('b', '1'), call('c', '2')]);
    expect(runner.keys).to.equal(-1);
    // per call a header: script 1 + 32 * (2 * arguments sent + 1 when the others repeat the
    // previous call's); 33: all of them repeat; 97: one sent, the rest ('x') repeats
    expect(args).to.deep.equal([
      'EVALSHA',
      runner.sha,
      '3',
      'a',
      'b',
      'c',
      '129',
      '1',
      'x',
      '33',
      '97',
      '2',
    ]);
  });

  it('each call gets its own arguments back, whichever of them repeat the previous call', async () => {
    const script = new Script('echo-1', "return table.concat(ARGV, ',')");
    const lists = [
      ['a', 'b', 'c'],
      ['x', 'b', 'c'],
      ['x', 'y', 'c'],
      ['x', 'y', 'c'],
      ['x', 'y', 'z'],
      ['1', '2'],
      ['1', '2', '3'],
      [],
      ['0', '2', '3'],
      ['0', '2', '3'],
    ];
    const { script: runner, args } = mergedCall(
      lists.map((list) => ({ args: script.evalsha(['k'], list), write: true, script })),
    );
    await raw(server, 'SCRIPT', 'LOAD', runner.source);
    const replies = (await raw(server, ...(args as string[]))) as unknown[];
    expect(replies.map(String)).to.deep.equal(lists.map((list) => list.join(',')));
  });

  it('one runner per set of scripts, whatever the order of the calls', () => {
    const a = new Script('a-1', 'return 1');
    const b = new Script('b-1', 'return 2');
    const call = (script: Script): Command => ({
      args: script.evalsha(['k'], []),
      write: true,
      script,
    });
    const ab = mergedCall([call(a), call(b)]);
    const ba = mergedCall([call(b), call(a)]);
    expect(ba.script).to.equal(ab.script);
    // script numbers follow the names: b is 2 wherever it comes (no arguments: the header alone)
    expect(ba.args.slice(-2)).to.deep.equal(['2', '1']);
  });

  it('calls issued together run as fewer script calls, each answering as it would alone', async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 3);
    const id = uniq('rl');
    await new Limits(id).reset(); // connected, so the calls below go out together
    await raw(server, 'CONFIG', 'RESETSTAT');
    const results = await Promise.all(Array.from({ length: 6 }, () => new Limits(id).take()));
    expect(results.map((r) => r.allowed)).to.deep.equal([true, true, true, false, false, false]);
    expect(results.map((r) => r.remaining)).to.deep.equal([2, 1, 0, 0, 0, 0]);
    expect(await commandCalls(server, 'evalsha', 'eval')).to.be.below(6);
  });

  it('from 32 calls issued together, sends two runner calls a turn apart, each call answering as alone', async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 60);
    const id = uniq('rl');
    await new Limits(id).reset(); // connected, so the calls below go out together
    await raw(server, 'CONFIG', 'RESETSTAT');
    let sent = 0;
    const results = await Promise.all(
      Array.from({ length: 100 }, () => new Limits(id).take().finally(() => sent++)),
    );
    expect(results.filter((r) => r.allowed)).to.have.length(60);
    expect(results.map((r) => r.allowed)).to.deep.equal(
      Array.from({ length: 100 }, (_, i) => i < 60),
    );
    expect(results.slice(0, 60).map((r) => r.remaining)).to.deep.equal(
      Array.from({ length: 60 }, (_, i) => 59 - i),
    );
    expect(sent).to.equal(100);
    // 50 now, 50 a turn later (an EVALSHA met by NOSCRIPT may add one EVAL each)
    const calls = await commandCalls(server, 'evalsha');
    expect(calls, 'EVALSHA calls for 100 takes issued together').to.be.within(2, 4);
  });

  it('a plain command issued while half the calls wait for the next turn goes after them', async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 100);
    const limit = new Limits(uniq('rl'));
    await limit.peek();
    const takes = Array.from({ length: 40 }, () => limit.take());
    await new Promise((resolve) => process.nextTick(resolve)); // the first half is sent
    const peek = await limit.peek(); // a script: held; flushed with the second half
    const reset = limit.reset(); // DEL: sends the held calls first
    expect((await Promise.all(takes)).every((r) => r.allowed)).to.equal(true);
    expect(peek.remaining).to.equal(59); // what a take would leave: the 40 takes went before it
    expect(await reset).to.equal(true);
    expect((await limit.peek()).remaining).to.equal(99); // the reset went after the peek
  });

  it('keeps the order of the calls issued: a script call, a plain command, a script call', async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 2);
    const limit = new Limits(uniq('rl'));
    await limit.peek();
    const [took, reset, peek, again] = await Promise.all([
      limit.take(2),
      limit.reset(), // DEL: sent after the take, before the peek
      limit.peek(),
      limit.take(),
    ]);
    // In any other order the peek or the last take would find the limit spent.
    expect([took.allowed, took.remaining]).to.deep.equal([true, 0]);
    expect(reset).to.equal(true);
    expect([peek.allowed, again.allowed, again.remaining]).to.deep.equal([true, true, 1]);
  });

  it("an error of one call is that call's alone; the others of the runner call succeed", async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 5);
    const bad = new Limits(uniq('rl'));
    await raw(server, 'RPUSH', bad.key, 'not a limiter');
    const good = [new Limits(uniq('rl')), new Limits(uniq('rl'))];
    await good[0].peek();
    const settled = await Promise.allSettled([good[0].take(), bad.take(), good[1].take()]);
    expect(settled.map((s) => s.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    const error = (settled[1] as PromiseRejectedResult).reason as WrongTypeError;
    expect(error).to.be.instanceOf(WrongTypeError);
    expect(error.key).to.equal(bad.key);
    expect(error.model).to.equal('Limits');
  });

  it('works on an empty script cache, with several scripts in one runner call', async () => {
    const Main = connectionTo(server);
    const Limits = limiter(Main, 10);
    class Jobs extends Lock {
      static override CONNECTION = Main;
    }
    class Slots extends Semaphore {
      static override CONNECTION = Main;
      static override PERMITS = 2;
    }
    await new Limits(uniq('rl')).reset();
    await raw(server, 'SCRIPT', 'FLUSH');
    const id = uniq('mix');
    const [take, locked, lease, second, third] = await Promise.all([
      new Limits(`${id}:rl`).take(),
      new Jobs(`${id}:lock`).acquire(),
      new Slots(`${id}:sem`).acquire(),
      new Slots(`${id}:sem`).acquire(),
      new Slots(`${id}:sem`).acquire(),
    ]);
    expect(take.allowed).to.equal(true);
    expect(locked).to.equal(true);
    expect(lease?.fence).to.equal(1);
    expect(second?.fence).to.equal(2);
    expect(third).to.equal(null);
  });

  it('a frozen server: every call of a runner call rejects typed, outcome unknown', async () => {
    const frozen = await spawnServer();
    const options: ConnectionOptions = { commandTimeout: 300, connectTimeout: 500 };
    const Main = connectionTo(frozen, { options });
    const Limits = limiter(Main, 5);
    await new Limits(uniq('rl')).peek();
    frozen.signal('SIGSTOP');
    try {
      const started = Date.now();
      const settled = await Promise.allSettled(
        Array.from({ length: 5 }, () => new Limits(uniq('rl')).take()),
      );
      const elapsed = Date.now() - started;
      for (const result of settled) {
        // A direct take answers its ON_ERROR policy ('deny') with the error attached.
        expect(result.status).to.equal('fulfilled');
        const value = (result as PromiseFulfilledResult<{ allowed: boolean; error?: unknown }>)
          .value;
        expect(value.allowed).to.equal(false);
        expect(value.error).to.be.instanceOf(ConnectionError);
        expect((value.error as ConnectionError).outcome).to.equal('unknown');
      }
      expect(elapsed).to.be.below(300 + 1_500);
    } finally {
      frozen.signal('SIGCONT');
    }
  });
});
