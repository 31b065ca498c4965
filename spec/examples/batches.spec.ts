import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { batches } from '../../examples/batches.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/batches', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('a typed pipeline, a transfer in one transaction, and exact racing withdrawals with watch', async () => {
    const report = await batches(Main, uniq('batches'));
    expect(report.pipelined).to.deep.equal([1, { name: 'Ann' }]);
    expect(report.balances).to.deep.equal([70, 30]);
    // 100 in steps of 10: exactly ten of the fifteen racing withdrawals succeed.
    expect(report.withdrawn).to.equal(10);
    expect(report.left).to.equal(0);
  });
});
