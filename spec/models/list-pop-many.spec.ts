import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ArgumentError,
  DecodeError,
  Queue,
  serializer,
  Stack,
  type Connection,
} from '../../src/index.js';
import { blockingMany } from '../../src/models/list-batch.js';
import { modelClass, rejects, uniq } from '../support/helpers.js';
import { commandCalls, onEachTopology } from '../support/targets.js';

onEachTopology('Queue and Stack: popMany and consume({ batch })', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });
  const jobs = () => modelClass(Queue<{ n: number }>, Main, serializer.JSON, 'Jobs');
  const piles = () => modelClass(Stack<string>, Main, undefined, 'Piles');

  it('popMany(n) takes up to n items in pop order, in one command; [] when empty', async () => {
    const q = new (jobs())(uniq());
    await q.push({ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 });
    const before = (await commandCalls(target(), 'rpop')).reduce((a, b) => a + b, 0);
    expect(await q.popMany(3)).to.deep.equal([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const after = (await commandCalls(target(), 'rpop')).reduce((a, b) => a + b, 0);
    expect(after - before).to.equal(1);
    expect(await q.popMany(10)).to.deep.equal([{ n: 4 }, { n: 5 }]);
    expect(await q.popMany(2)).to.deep.equal([]);

    const s = new (piles())(uniq());
    await s.push('a', 'b', 'c');
    expect(await s.popMany(2)).to.deep.equal(['c', 'b']); // last in, first out
    expect(await s.items()).to.deep.equal(['a']);
  });

  it('popMany(n) queues into a pipeline; many poppers share the items, each taken once', async () => {
    const q = new (jobs())(uniq());
    const items = Array.from({ length: 100 }, (_, n) => ({ n }));
    await q.push(...items);
    const [first, second] = await Main.pipeline((p) => [q.in(p).popMany(30), q.in(p).popMany(30)]);
    expect(first.map((i) => i.n)).to.deep.equal([...Array(30).keys()]);
    expect(second.map((i) => i.n)).to.deep.equal([...Array(30).keys()].map((n) => n + 30));
    const rest = await Promise.all(Array.from({ length: 8 }, () => q.popMany(7)));
    const seen = [...first, ...second, ...rest.flat()].map((i) => i.n).sort((a, b) => a - b);
    expect(seen).to.deep.equal([...Array(100).keys()]);
  });

  it('popMany(n, { timeout }) waits for the first item, then takes what is there (BLMPOP)', async () => {
    const q = new (jobs())(uniq());
    const started = performance.now();
    const waiting = q.popMany(5, { timeout: 5_000 });
    await sleep(100);
    await q.push({ n: 1 }, { n: 2 });
    expect(await waiting).to.deep.equal([{ n: 1 }, { n: 2 }]);
    expect(performance.now() - started).to.be.below(4_000);
    expect(await q.popMany(5, { timeout: 100 })).to.deep.equal([]);
    await q.push({ n: 3 }, { n: 4 }, { n: 5 });
    expect(await q.popMany(2, { timeout: 1_000 })).to.deep.equal([{ n: 3 }, { n: 4 }]);
    expect(await q.size()).to.equal(1);
  });

  it('items a late BLMPOP reply brought are put back so that the next pops take them in order', async () => {
    for (const [Model, end] of [
      [jobs(), 'R'],
      [modelClass(Stack<string>, Main, serializer.JSON, 'Piles'), 'L'],
    ] as const) {
      const model = new Model(uniq());
      const giveBack = blockingMany(end, model.key, 3, serializer.JSON).giveBack;
      await target().raw(...(giveBack([model.key, ['"a"', '"b"', '"c"']]) as string[]));
      await target().raw(`${end === 'R' ? 'L' : 'R'}PUSH`, model.key, '"z"'); // pushed later
      expect(
        await new (modelClass(Queue<string>, Main, serializer.JSON))(model.key).items(),
      ).to.have.length(4);
      const popped = await (model as unknown as { popMany(n: number): Promise<unknown[]> }).popMany(
        4,
      );
      expect(popped.slice(0, 3)).to.deep.equal(['a', 'b', 'c']);
    }
  });

  it('consume({ batch }) yields arrays of up to `batch` items in pop order', async () => {
    const q = new (jobs())(uniq());
    await q.push(...Array.from({ length: 25 }, (_, n) => ({ n })));
    const batches: number[][] = [];
    for await (const batch of q.consume({ batch: 10, timeout: 300 })) {
      batches.push(batch.map((i) => i.n));
    }
    expect(batches.map((b) => b.length)).to.deep.equal([10, 10, 5]);
    expect(batches.flat()).to.deep.equal([...Array(25).keys()]);
  });

  it('bad counts are ArgumentErrors naming the model and key, nothing taken; undecodable items are DecodeErrors', async () => {
    const q = new (jobs())(uniq());
    await q.push({ n: 1 });
    for (const bad of [0, -1, 1.5, NaN, '2', undefined]) {
      expect(() => q.popMany(bad as number)).to.throw(ArgumentError, /popMany\(count\): count/);
    }
    expect(() => q.consume({ batch: 0 })).to.throw(
      ArgumentError,
      /batch must be a positive integer/,
    );
    const error = (() => {
      try {
        q.popMany(0);
      } catch (e) {
        return e as ArgumentError;
      }
    })();
    expect(error?.model).to.equal('Jobs');
    expect(error?.key).to.equal(q.key);
    expect(await q.size()).to.equal(1);
    await target().raw('RPUSH', q.key, '{not json');
    const caught = await rejects(() => q.popMany(5), DecodeError);
    expect(caught.model).to.equal('Jobs');
  });
});
