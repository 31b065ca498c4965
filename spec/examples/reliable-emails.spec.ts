import { expect } from 'chai';
import { emailQueue, sendEmails } from '../../examples/reliable-emails.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

describe('examples/reliable-emails', () => {
  after(closeAll);

  it('sends every email once, retries the failing one, and dead-letters it with its error', async () => {
    const server = await standalone();
    const Main = connectionTo(server);
    const name = uniq('emails');
    const report = await sendEmails(Main, name, 20);
    expect(report.sent).to.equal(19);
    expect(report.failures).to.equal(3);
    expect(report.dead).to.deep.equal([
      { id: 'welcome-7', error: 'Error: 550 no such user: nobody@invalid', attempts: 3 },
    ]);
    expect(report.stats).to.deep.equal({ waiting: 0, delayed: 0, inflight: 0, dead: 1 });
    const queue = new (emailQueue(Main))(name);
    expect(await queue.deadLetters.retry('welcome-7')).to.equal(1);
    expect((await queue.pop())!.attempt).to.equal(1);
  });
});
