import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { cacheAndLock } from '../../examples/cache-and-lock.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/cache-and-lock', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('computes a missing entry once for 20 callers; job runs hold the lock one at a time, fences rising', async () => {
    const report = await cacheAndLock(Main, uniq('example'));
    expect(report.computed).to.equal(1);
    expect(report.values).to.deep.equal(Array(20).fill(42));
    // The five runs queue on the lock: each runs, one at a time, each with a higher fence.
    expect(report.ran).to.equal(5);
    expect(report.peak).to.equal(1);
    expect(report.fences).to.have.length(5);
    for (let i = 1; i < 5; i++) expect(report.fences[i]).to.be.greaterThan(report.fences[i - 1]);
    expect(report.refused).to.equal(0);
  });
});
