import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { emailOutbox } from '../../examples/queue.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/queue', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('sends jobs in arrival order, wakes a waiting worker, and a blocking pop times out', async () => {
    const prefix = uniq('example');
    const { waitedMs, ...report } = await emailOutbox(Main, prefix);
    expect(report).to.deep.equal({
      lengths: [2, 3],
      oldest: { id: 1, to: 'ann@example.com' },
      sent: [1, 2, 3],
      woken: { id: 4, to: 'dee@example.com' },
      timedOut: null,
    });
    // The empty wait lasted its 100 ms (not returning at once, not hanging).
    expect(waitedMs).to.be.within(95, 1_000);
    expect(await target().raw('EXISTS', `${prefix}:outbox:email`)).to.equal(0);
  });
});
