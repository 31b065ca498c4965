import { expect } from 'chai';
import { burst, jobs } from '../../examples/limits-and-slots.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

describe('examples/limits-and-slots', () => {
  after(closeAll);

  it('a burst of 8 gets 5 through; wait() then sleeps until the next one is allowed', async () => {
    const Main = connectionTo(await standalone());
    const report = await burst(Main, uniq('user'));
    expect(report).to.include({ allowed: 5, denied: 3, waited: true });
    // 5 a second: the next unit comes 200 ms after the burst (less the time the burst took).
    expect(report.retryAfter).to.be.within(150, 200);
    expect(report.waitedMs).to.be.within(100, 500);
  });

  it('six jobs share two slots: never more than two at once, in arrival order, fences rising', async () => {
    const Main = connectionTo(await standalone());
    const report = await jobs(Main, uniq('gpu'), 6);
    expect(report.peak).to.equal(2);
    // Jobs 0 and 1 get the two slots at once (in either order); the others wait in line.
    expect([...report.order.slice(0, 2)].sort()).to.deep.equal([0, 1]);
    expect(report.order.slice(2)).to.deep.equal([2, 3, 4, 5]);
    expect(report.fences).to.have.length(6);
    for (let i = 1; i < 6; i++) expect(report.fences[i]).to.be.greaterThan(report.fences[i - 1]);
  });
});
