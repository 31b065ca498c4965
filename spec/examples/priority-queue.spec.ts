import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { jobsByPriority } from '../../examples/priority-queue.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/priority-queue', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('takes jobs lowest priority first, re-prioritises a pushed-again job, wakes a waiting worker', async () => {
    const prefix = uniq('example');
    const report = await jobsByPriority(Main, prefix);
    expect(report).to.deep.equal({
      queued: 4,
      duplicated: false,
      next: { id: 'j3', kind: 'report' },
      thumbnailPriority: 5,
      order: ['j3', 'j2', 'j4', 'j1'],
      woken: { id: 'j5', kind: 'invoice' },
    });
    expect(await target().raw('EXISTS', `${prefix}:jobs:render`)).to.equal(0);
  });
});
