import { expect } from 'chai';
import {
  ArgumentError,
  ConfigError,
  type Connection,
  EncodeError,
  serializer,
  WrongTypeError,
  type Serializer,
} from '../../src/index.js';
import { exclusive, SortedSet, type ScoreBound } from '../../src/models/sorted-set/index.js';
import { modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('SortedSet', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  const setWith = <T>(ser?: Serializer<unknown>, connection: typeof Connection = Main) =>
    modelClass(SortedSet<T>, connection, ser);

  /** A set holding a..e with scores 1..5. */
  async function abcde(): Promise<SortedSet<string>> {
    const Board = setWith<string>();
    const board = new Board(uniq());
    await board.addMany([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
      ['e', 5],
    ]);
    return board;
  }

  it('reads an empty set as empty and leaves no key behind', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    expect(await board.members()).to.deep.equal([]);
    expect(await board.members({ withScores: true })).to.deep.equal([]);
    expect(await board.membersByScore()).to.deep.equal([]);
    expect(await board.top(3)).to.deep.equal([]);
    expect(await board.length()).to.equal(0);
    expect(await board.length(0, 10)).to.equal(0);
    expect(await board.score('a')).to.equal(null);
    expect(await board.scoreMany(['a'])).to.deep.equal([null]);
    expect(await board.contains('a')).to.equal(false);
    expect(await board.rank('a')).to.equal(null);
    expect(await board.popMax()).to.equal(null);
    expect(await board.popMin()).to.equal(null);
    expect(await board.remove('a')).to.equal(false);
    expect(await board.truncate(5)).to.equal(0);
    expect(await board.cleanByScore('-inf', '+inf')).to.equal(0);
    expect(await board.clean()).to.equal(false);
    expect(await board.addMany([])).to.equal(0);
    expect(await board.scoreMany([])).to.deep.equal([]);
    expect(await target().raw('EXISTS', board.key)).to.equal(0);
  });

  it('add() says whether the element is new; members() lists the highest score first', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    expect(await board.add('ann', 10)).to.equal(true);
    expect(await board.add('bob', 20)).to.equal(true);
    expect(await board.add('cid', 15)).to.equal(true);
    expect(await board.members()).to.deep.equal(['bob', 'cid', 'ann']);
    expect(await board.add('ann', 30)).to.equal(false);
    expect(await board.members({ withScores: true })).to.deep.equal([
      ['ann', 30],
      ['bob', 20],
      ['cid', 15],
    ]);
    expect(await board.length()).to.equal(3);
    expect(await board.score('ann')).to.equal(30);
    expect(await board.contains('cid')).to.equal(true);
    expect(await board.contains('dan')).to.equal(false);
    expect(await board.rank('ann')).to.equal(0);
    expect(await board.rank('cid')).to.equal(2);
    expect(await board.top(2)).to.deep.equal(['ann', 'bob']);
    expect(await board.top(1, { withScores: true })).to.deep.equal([['ann', 30]]);
    expect(await board.top(0)).to.deep.equal([]);
    expect(await board.scoreMany(['cid', 'dan', 'bob'])).to.deep.equal([15, null, 20]);
  });

  it('keeps fractional, negative, zero and infinite scores exactly', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    const scores: Array<[string, number]> = [
      ['tiny', 1e-7],
      ['sum', 0.1 + 0.2],
      ['neg', -2.5],
      ['zero', 0],
      ['top', Infinity],
      ['bottom', -Infinity],
      ['big', 1e21],
    ];
    for (const [element, score] of scores) await board.add(element, score);
    for (const [element, score] of scores) expect(await board.score(element)).to.equal(score);
    expect(await target().raw('ZSCORE', board.key, 'top')).to.equal(Infinity);
    expect(await target().raw('ZSCORE', board.key, 'bottom')).to.equal(-Infinity);
    expect(await target().raw('ZRANGEBYSCORE', board.key, '(1e300', '+inf')).to.deep.equal(['top']);
    expect(await board.members({ withScores: true })).to.deep.equal(
      [...scores].sort((x, y) => y[1] - x[1]),
    );
    await rejects(() => board.add('nan', Number.NaN), ArgumentError, /must be a number/);
    await rejects(() => board.add('str', '1' as unknown as number), ArgumentError, /number/);
    expect(await board.contains('nan')).to.equal(false);
  });

  it('add() options: ifAbsent (NX), ifGreater (GT), ifLess (LT)', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    await board.add('a', 10);
    expect(await board.add('a', 1, { ifAbsent: true })).to.equal(false);
    expect(await board.score('a')).to.equal(10);
    expect(await board.add('b', 1, { ifAbsent: true })).to.equal(true);
    await board.add('a', 5, { ifGreater: true });
    expect(await board.score('a')).to.equal(10);
    await board.add('a', 50, { ifGreater: true });
    expect(await board.score('a')).to.equal(50);
    await board.add('a', 70, { ifLess: true });
    expect(await board.score('a')).to.equal(50);
    await board.add('a', 7, { ifLess: true });
    expect(await board.score('a')).to.equal(7);
    expect(await board.add('c', 3, { ifGreater: true })).to.equal(true);
    expect(await board.addMany([['a', 100]], { ifGreater: true })).to.equal(0);
    expect(await board.score('a')).to.equal(100);
    await rejects(() => board.add('a', 1, { ifGreater: true, ifLess: true }), ArgumentError);
    await rejects(() => board.add('a', 1, { ifAbsent: true, ifGreater: true }), ArgumentError);
  });

  it('addMany() takes pairs or a Map and counts new elements; incr() adds to a score', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    expect(
      await board.addMany(
        new globalThis.Map([
          ['a', 1],
          ['b', 2],
        ]),
      ),
    ).to.equal(2);
    expect(
      await board.addMany([
        ['b', 3],
        ['c', 4],
      ]),
    ).to.equal(1);
    expect(await board.incr('a')).to.equal(2);
    expect(await board.incr('a', 0.5)).to.equal(2.5);
    expect(await board.incr('new', -3)).to.equal(-3);
    expect(await board.members({ withScores: true })).to.deep.equal([
      ['c', 4],
      ['b', 3],
      ['a', 2.5],
      ['new', -3],
    ]);
    await rejects(() => board.incr('a', Number.NaN), ArgumentError);
  });

  it('length() counts everything (ZCARD) or a score range (ZCOUNT), bounds inclusive or not', async () => {
    const board = await abcde();
    expect(await board.length()).to.equal(5);
    expect(await board.length(2, 4)).to.equal(3);
    expect(await board.length(exclusive(2), 4)).to.equal(2);
    expect(await board.length('(2', '(4')).to.equal(1);
    expect(await board.length(3)).to.equal(3);
    expect(await board.length(undefined, 3)).to.equal(3);
    expect(await board.length('-inf', '+inf')).to.equal(5);
    expect(await board.length(-Infinity, exclusive(Infinity))).to.equal(5);
  });

  it('membersByScore(): lowest first, bounds, withScores, offset/count, reverse', async () => {
    const board = await abcde();
    expect(await board.membersByScore()).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    expect(await board.membersByScore(2, 4)).to.deep.equal(['b', 'c', 'd']);
    expect(await board.membersByScore(exclusive(2), exclusive(4))).to.deep.equal(['c']);
    expect(await board.membersByScore(4)).to.deep.equal(['d', 'e']);
    expect(await board.membersByScore(2, 3, { withScores: true })).to.deep.equal([
      ['b', 2],
      ['c', 3],
    ]);
    expect(await board.membersByScore('-inf', '+inf', { offset: 1, count: 2 })).to.deep.equal([
      'b',
      'c',
    ]);
    expect(await board.membersByScore(undefined, undefined, { offset: 3 })).to.deep.equal([
      'd',
      'e',
    ]);
    expect(await board.membersByScore(undefined, undefined, { count: 0 })).to.deep.equal([]);
    expect(await board.membersByScore(2, 4, { reverse: true })).to.deep.equal(['d', 'c', 'b']);
    expect(
      await board.membersByScore(1, 5, { reverse: true, withScores: true, count: 2 }),
    ).to.deep.equal([
      ['e', 5],
      ['d', 4],
    ]);
    expect(await board.membersByScore(10, 20)).to.deep.equal([]);
  });

  it('refuses malformed bounds and counts before sending', async () => {
    const board = await abcde();
    for (const bad of ['abc', '((1', '1,2', '', 'NaN', Number.NaN]) {
      await rejects(() => board.membersByScore(bad as ScoreBound), ArgumentError, /min/);
    }
    await rejects(() => board.length(1, 'x' as ScoreBound), ArgumentError, /max/);
    await rejects(() => board.membersByScore(1, 2, { count: -1 }), ArgumentError, /count/);
    await rejects(() => board.membersByScore(1, 2, { offset: 0.5 }), ArgumentError, /offset/);
    await rejects(() => board.top(-1), ArgumentError, /count/);
    await rejects(() => board.truncate(-1), ArgumentError, /size/);
    await rejects(() => board.add(null as unknown as string, 1), EncodeError, /absent/);
    expect(await board.length()).to.equal(5);
  });

  it('names the model and key in count errors; top, truncate and LIMIT take 0 and up, scan 1 and up', async () => {
    const board = await abcde();
    const refused: Array<[() => unknown, string]> = [
      [() => board.top(-1), 'count must be a non-negative integer, got -1'],
      [() => board.top(2.5), 'count must be a non-negative integer, got 2.5'],
      [() => board.truncate(-1), 'size must be a non-negative integer, got -1'],
      [() => board.truncate(Infinity), 'size must be a non-negative integer, got Infinity'],
      [
        () => board.membersByScore(1, 2, { offset: -1 }),
        'offset must be a non-negative integer, got -1',
      ],
      [
        () => board.membersByScore(1, 2, { count: 1.5 }),
        'count must be a non-negative integer, got 1.5',
      ],
      [() => board.scan({ count: 0 }), 'count must be a positive integer, got 0'],
      [
        () => board.add('a', Number.NaN),
        'score must be a number (finite, Infinity or -Infinity), got NaN',
      ],
    ];
    for (const [call, message] of refused) {
      const error = await rejects(call, ArgumentError);
      expect(error.model).to.equal('SortedSet');
      expect(error.key).to.equal(board.key);
      expect(error.message).to.equal(`SortedSet "${board.key}": ${message}`);
    }
    expect(await board.top(0)).to.deep.equal([]);
    expect(await board.membersByScore(1, 5, { offset: 0, count: 0 })).to.deep.equal([]);
    expect(await board.membersByScore(1, 5, { offset: 4 })).to.deep.equal(['e']);
    expect(await board.truncate(0)).to.equal(5);
    expect(await board.length()).to.equal(0);
  });

  it('remove()/rem() take one element (boolean) or several (count)', async () => {
    const board = await abcde();
    expect(await board.remove('a')).to.equal(true);
    expect(await board.remove('a')).to.equal(false);
    expect(await board.rem('b')).to.equal(true);
    expect(await board.rem('c', 'd', 'zz')).to.equal(2);
    expect(await board.remove('e', 'zz')).to.equal(1);
    expect(await board.exists()).to.equal(false);
  });

  it('truncate(size) keeps the size highest and returns how many were removed', async () => {
    const board = await abcde();
    expect(await board.truncate(10)).to.equal(0);
    expect(await board.truncate(3)).to.equal(2);
    expect(await board.members()).to.deep.equal(['e', 'd', 'c']);
    expect(await board.truncate(1)).to.equal(2);
    expect(await board.members()).to.deep.equal(['e']);
    expect(await board.truncate(0)).to.equal(1);
    expect(await board.exists()).to.equal(false);
  });

  it('clean() deletes the set; cleanByScore() removes a score range', async () => {
    const board = await abcde();
    expect(await board.cleanByScore(2, exclusive(4))).to.equal(2);
    expect(await board.members()).to.deep.equal(['e', 'd', 'a']);
    expect(await board.cleanByScore('-inf', 1)).to.equal(1);
    expect(await board.members()).to.deep.equal(['e', 'd']);
    expect(await board.clean()).to.equal(true);
    expect(await board.clean()).to.equal(false);
    expect(await target().raw('EXISTS', board.key)).to.equal(0);
  });

  it('popMax()/popMin() remove and return the extremes with their scores', async () => {
    const board = await abcde();
    expect(await board.popMax()).to.deep.equal(['e', 5]);
    expect(await board.popMin()).to.deep.equal(['a', 1]);
    expect(await board.members()).to.deep.equal(['d', 'c', 'b']);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other elements through ${name}`, async () => {
      const Board = setWith<unknown>(ser);
      const board = new Board(uniq());
      for (const [i, v] of values.entries()) expect(await board.add(v, i)).to.equal(true);
      expect(await board.members()).to.deep.equal([...values].reverse());
      expect(await board.membersByScore(undefined, undefined, { withScores: true })).to.deep.equal(
        values.map((v, i) => [v, i]),
      );
      for (const [i, v] of values.entries()) {
        expect(await board.score(v)).to.equal(i);
        expect(await board.contains(v)).to.equal(true);
      }
      expect(await board.popMin()).to.deep.equal([values[0], 0]);
      expect(await board.remove(values[1])).to.equal(true);
      expect(await board.length()).to.equal(values.length - 2);
    });
  }

  it('uses the Python layout: a Redis sorted set, readable and writable by plain commands', async () => {
    const Board = setWith<{ id: number }>(serializer.JSON);
    const board = new Board(uniq());
    await board.add({ id: 1 }, 10);
    await board.add({ id: 2 }, 20);
    expect(await target().raw('TYPE', board.key)).to.equal('zset');
    expect(await target().raw('ZREVRANGE', board.key, '0', '-1')).to.deep.equal([
      '{"id":2}',
      '{"id":1}',
    ]);
    await target().raw('ZADD', board.key, '15.5', '{"id":3}');
    expect(await board.members({ withScores: true })).to.deep.equal([
      [{ id: 2 }, 20],
      [{ id: 3 }, 15.5],
      [{ id: 1 }, 10],
    ]);
    await board.incr({ id: 1 }, 100);
    expect(await target().raw('ZSCORE', board.key, '{"id":1}')).to.equal(110);
  });

  it('reports another Redis type as a WrongTypeError naming the model and key', async () => {
    class Leaderboard extends SortedSet<string> {
      static override CONNECTION = Main;
    }
    const board = new Leaderboard(uniq());
    await target().raw('SADD', board.key, 'a set');
    for (const call of [
      () => board.add('a', 1),
      () => board.members(),
      () => board.score('a'),
      () => board.truncate(1),
    ]) {
      const error = await rejects(call, WrongTypeError);
      expect(error.model).to.equal('Leaderboard');
      expect(error.key).to.equal(board.key);
      expect(error.message).to.include('Leaderboard').and.include(board.key);
    }
  });

  it('scan() iterates every [element, score] pair in pages', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    const entries = Array.from({ length: 300 }, (_, i): [string, number] => [`m${i}`, i / 2]);
    await board.addMany(entries);
    const seen = new globalThis.Map<string, number>();
    for await (const [element, score] of board.scan({ count: 30 })) seen.set(element, score);
    expect([...seen].sort((x, y) => x[1] - y[1])).to.deep.equal(entries);
    const matched: string[] = [];
    for await (const [element] of board.scan({ match: 'm1?' })) matched.push(element);
    expect(matched.sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `m1${i}`).sort());
  });

  it('runs in a pipeline (empty inputs keep their slot); scan() refuses to', async () => {
    const Board = setWith<string>();
    const board = new Board(uniq());
    const [added, none, count, top, score] = await Main.pipeline((p) => [
      board.in(p).addMany([
        ['a', 1],
        ['b', 2],
      ]),
      board.in(p).top(0),
      board.in(p).length(),
      board.in(p).top(1, { withScores: true }),
      board.in(p).score('a'),
    ]);
    expect([added, none, count, top, score]).to.deep.equal([2, [], 2, [['b', 2]], 1]);
    await Main.transaction((t) => {
      // @ts-expect-error -- an iterator cannot run in a batch: refused by the types too
      expect(() => board.in(t).scan()).to.throw(ConfigError, /pipeline or transaction/);
      return [board.in(t).truncate(1)];
    });
    expect(await board.members()).to.deep.equal(['b']);
  });

  describe('over RESP2', () => {
    let Resp2: typeof Connection;
    before(() => {
      Resp2 = target().connection({ protocol: 2 });
    });

    it('decodes string scores and flat WITHSCORES arrays', async () => {
      const Board = setWith<string>(undefined, Resp2);
      const board = new Board(uniq());
      await board.addMany([
        ['low', -Infinity],
        ['mid', 1.5],
        ['high', Infinity],
      ]);
      // The connection really speaks RESP2: scores come back as strings in a flat array.
      expect(await target().sendThrough(Resp2, ['ZSCORE', board.key, 'mid'])).to.equal('1.5');
      expect(await board.score('mid')).to.equal(1.5);
      expect(await board.score('high')).to.equal(Infinity);
      expect(await board.score('low')).to.equal(-Infinity);
      expect(await board.score('none')).to.equal(null);
      expect(await board.scoreMany(['mid', 'none'])).to.deep.equal([1.5, null]);
      expect(await board.members({ withScores: true })).to.deep.equal([
        ['high', Infinity],
        ['mid', 1.5],
        ['low', -Infinity],
      ]);
      expect(await board.membersByScore(0, '+inf', { withScores: true })).to.deep.equal([
        ['mid', 1.5],
        ['high', Infinity],
      ]);
      expect(await board.incr('mid', 1)).to.equal(2.5);
      expect(await board.popMax()).to.deep.equal(['high', Infinity]);
      const seen: Array<[string, number]> = [];
      for await (const entry of board.scan()) seen.push(entry);
      expect(seen).to.have.deep.members([
        ['mid', 2.5],
        ['low', -Infinity],
      ]);
    });
  });
});
