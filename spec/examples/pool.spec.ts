import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { tagsAndPorts } from '../../examples/pool.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/pool', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('keeps each tag once and hands every free port to one worker only', async () => {
    const prefix = uniq('example');
    const report = await tagsAndPorts(Main, prefix);
    expect(report).to.deep.equal({
      added: 3,
      addedAgain: false,
      has: [true, false],
      removed: true,
      tags: ['redis', 'typescript'],
      taken: [8001, 8002, 8003],
      leftOver: null,
    });
    expect(await target().raw('SCARD', `${prefix}:tags:post-1`)).to.equal(2);
  });
});
