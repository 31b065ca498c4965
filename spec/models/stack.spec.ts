import { expect } from 'chai';
import {
  ArgumentError,
  EncodeError,
  serializer,
  WrongTypeError,
  type Connection,
  type Serializer,
} from '../../src/index.js';
import { Stack } from '../../src/models/stack.js';
import { eventually, modelClass, rejects, serializerCases, uniq } from '../support/helpers.js';
import {
  blockedNamed,
  expectPopAborts,
  expectPopLeavesConnectionFree,
  onEachTopology,
  type NamedConnection,
} from '../support/targets.js';

onEachTopology('Stack', (target) => {
  let Main: NamedConnection;
  let Other: NamedConnection;
  before(() => {
    Main = target().namedConnection();
    Other = target().namedConnection();
  });

  const stackOn = <T>(connection: typeof Connection, ser?: Serializer<unknown>) =>
    modelClass(Stack<T>, connection, ser, 'History');
  const stackWith = <T>(ser?: Serializer<unknown>) => stackOn<T>(Main, ser);

  it('an empty stack: pop() null, items() [], size() 0, peek() null', async () => {
    const S = stackWith<string>();
    const s = new S(uniq());
    expect(await s.pop()).to.equal(null);
    expect(await s.items()).to.deep.equal([]);
    expect(await s.size()).to.equal(0);
    expect(await s.peek()).to.equal(null);
  });

  it('pops last in, first out; peek() and items() show the newest first', async () => {
    const S = stackWith<string>();
    const s = new S(uniq());
    expect(await s.push('a')).to.equal(1);
    expect(await s.push('b', 'c')).to.equal(3);
    expect(await s.items()).to.deep.equal(['c', 'b', 'a']);
    expect(await s.peek()).to.equal('c');
    expect(await s.size()).to.equal(3);
    expect(await s.pop()).to.equal('c');
    await s.push('d');
    expect(await s.pop()).to.equal('d');
    expect(await s.pop()).to.equal('b');
    expect(await s.pop()).to.equal('a');
    expect(await s.pop()).to.equal(null);
  });

  it('stores a list pushed and popped at the head, shared with plain clients', async () => {
    const S = class extends stackWith<unknown>(serializer.JSON) {
      static override PREFIX = 'app:hist';
    };
    const name = uniq();
    const s = new S(name);
    await s.push({ n: 1 }, { n: 2 });
    expect(await target().raw('TYPE', `app:hist:${name}`)).to.equal('list');
    expect(await target().raw('LINDEX', s.key, '0')).to.equal('{"n":2}');
    await target().raw('LPUSH', s.key, '{"a":1}');
    expect(await s.pop()).to.deep.equal({ a: 1 });
    expect(await target().raw('LPOP', s.key)).to.equal('{"n":2}');
    expect(await s.pop()).to.deep.equal({ n: 1 });
  });

  it('push() needs an item and refuses null, sending nothing', async () => {
    const S = stackWith<unknown>(serializer.JSON);
    const s = new S(uniq());
    await rejects(() => s.push(), ArgumentError, /at least one item/);
    await rejects(() => s.push('x', null), EncodeError);
    expect(await s.exists()).to.equal(false);
  });

  for (const [name, ser, values] of serializerCases()) {
    it(`round-trips falsy and other values through ${name} (pop, items, blocking pop)`, async () => {
      const S = stackWith<unknown>(ser);
      const s = new S(uniq());
      await s.push(...values);
      const newestFirst = [...values].reverse();
      expect(await s.items()).to.deep.equal(newestFirst);
      expect(await s.peek()).to.deep.equal(newestFirst[0]);
      const popped: unknown[] = [];
      for (let i = 0; i < values.length; i++) {
        popped.push(i % 2 === 0 ? await s.pop() : await s.pop({ timeout: 1000 }));
      }
      expect(popped).to.deep.equal(newestFirst);
    });
  }

  it('a key of another type is a WrongTypeError', async () => {
    const S = stackWith<string>();
    const s = new S(uniq());
    await target().raw('HSET', s.key, 'f', 'v');
    await rejects(() => s.push('a'), WrongTypeError);
    await rejects(() => s.pop(), WrongTypeError);
    await rejects(() => s.pop({ timeout: 100 }), WrongTypeError);
    await rejects(() => s.peek(), WrongTypeError);
    await rejects(() => s.items(), WrongTypeError);
  });

  it('consume() takes the newest item first (BLPOP) until none came for its timeout', async () => {
    const s = new (stackWith<string>())(uniq());
    await s.push('a', 'b', 'c');
    const got: string[] = [];
    for await (const item of s.consume({ timeout: 100 })) {
      got.push(item);
      if (got.length === 1) await s.push('d');
    }
    expect(got).to.deep.equal(['c', 'd', 'b', 'a']);
    expect(await s.size()).to.equal(0);
  });

  describe('blocking pop', () => {
    it('returns an item pushed later by another connection (BLPOP)', async () => {
      const S = stackWith<string>();
      const name = uniq();
      const pending = new S(name).pop({ timeout: 5000 });
      await eventually(async () => (await blockedNamed(target(), Main.clientName)) === 1);
      await new (stackOn<string>(Other))(name).push('late');
      expect(await pending).to.equal('late');
    });

    it('returns null after its timeout; validates it', async () => {
      const S = stackWith<string>();
      const s = new S(uniq());
      const started = Date.now();
      expect(await s.pop({ timeout: 120 })).to.equal(null);
      expect(Date.now() - started).to.be.within(80, 4000);
      await rejects(() => s.pop({ timeout: -1 }), ArgumentError, /milliseconds/);
    });

    it('a signal already aborted rejects at once; an abort while blocked rejects and closes', async () => {
      const Conn = target().namedConnection();
      const s = new (stackOn<string>(Conn))(uniq());
      await expectPopAborts(target(), Conn, s, new Error('enough'));
    });

    it('does not delay the other commands of its Connection', async () => {
      const s = new (stackWith<string>())(uniq());
      await expectPopLeavesConnectionFree(target(), Main, s, (key, item) =>
        target().raw('LPUSH', key, item),
      );
    });
  });
});
