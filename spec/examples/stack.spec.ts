import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { undoHistory } from '../../examples/stack.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/stack', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('undoes edits newest first, lists the history, and a blocking pop on an empty one gives up', async () => {
    const prefix = uniq('example');
    const report = await undoHistory(Main, prefix);
    expect(report).to.deep.equal({
      typed: 'Hello, world!!!',
      depth: 4,
      next: { typed: '!!', at: 13 },
      undone: 'Hello, world',
      history: [
        { typed: ', world', at: 5 },
        { typed: 'Hello', at: 0 },
      ],
      empty: '',
      nothingLeft: null,
    });
    // An empty list does not exist in Redis.
    expect(await target().raw('EXISTS', `${prefix}:undo:doc-7`)).to.equal(0);
  });
});
