import { expect } from 'chai';
import {
  Counter,
  HashMap,
  Pool,
  Queue,
  SortedSet,
  model,
  type Batched,
  type Connection,
  type Queued,
} from '../../src/index.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

/** Compiles only when `A` and `B` are the same type (an assertion checked by tsc). */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(check: Equal<A, B>): void => {
  expect(check).to.equal(true);
};

/**
 * The batched view of a model keeps every overload of every method (a type test: each `same`
 * fails to compile when the types differ), refuses direct-only operations at compile time, and
 * gives placeholders that are not promises.
 */
describe('batch types', () => {
  let Main: typeof Connection;
  before(async () => {
    Main = connectionTo(await standalone());
  });
  after(closeAll);

  it('keeps overloads: each call gets the result type of its own overload', async () => {
    @model({ connection: Main })
    class Board extends SortedSet<string> {}
    @model({ connection: Main })
    class Carts extends HashMap<string> {}
    @model({ connection: Main })
    class Tags extends Pool<string> {}
    const board = new Board(uniq());
    await board.add('a', 1);
    await board.add('b', 2);
    const [top, topScored, removedOne, removedTwo, dropped, many, pushed] = await Main.pipeline(
      (p) => [
        board.in(p).top(2),
        board.in(p).top(2, { withScores: true }),
        board.in(p).remove('x'),
        board.in(p).remove('x', 'y'),
        new Carts(uniq()).in(p).remove('f'),
        new Carts(uniq()).in(p).remove('f', 'g'),
        new Tags(uniq()).in(p).push('t', 'u'),
      ],
    );
    same<typeof top, string[]>(true);
    same<typeof topScored, Array<[string, number]>>(true);
    same<typeof removedOne, boolean>(true);
    same<typeof removedTwo, number>(true);
    same<typeof dropped, boolean>(true);
    same<typeof many, number>(true);
    same<typeof pushed, number>(true);
    expect(top).to.deep.equal(['b', 'a']);
    expect(topScored).to.deep.equal([
      ['b', 2],
      ['a', 1],
    ]);
    expect([removedOne, removedTwo, dropped, many, pushed]).to.deep.equal([false, 0, false, 0, 2]);
  });

  it('refuses what cannot be queued, at compile time, and placeholders are not promises', async () => {
    @model({ connection: Main })
    class Jobs extends Queue<string> {}
    @model({ connection: Main })
    class Hits extends Counter {}
    type Jobbed = Batched<Jobs>;
    // pop() can be queued, pop({ timeout }) cannot: only the plain overload is left.
    same<ReturnType<Jobbed['pop']>, Queued<string | null>>(true);
    // consume() is an iterator: never in a batch.
    same<Jobbed['consume'], never>(true);
    await Main.pipeline((p) => {
      const queued = new Hits(uniq()).in(p).incr();
      // @ts-expect-error -- a placeholder has no then(): there is nothing to await in a batch
      void queued.then;
      expect(queued).not.to.have.property('then');
      return [queued];
    });
  });
});
