import { expect } from 'chai';
import { runWorker, seedJobs, workerModels } from '../../examples/worker-batching.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

describe('examples/worker-batching', () => {
  after(closeAll);

  it('drains the queue in batches and records each batch in one pipeline', async () => {
    const server = await standalone();
    const Main = connectionTo(server);
    const namespace = uniq('worker');
    await seedJobs(Main, namespace, 300);
    const report = await runWorker(Main, { namespace, batchSize: 50, idleMs: 100 });
    // 300 jobs + one follow-up per resize job (100) = 400, in batches of 50.
    expect(report).to.deep.equal({
      processed: 400,
      batches: 8,
      followUps: 100,
      perType: { resize: 100, notify: 200, archive: 100 },
    });
    const { Jobs, Processed, Results } = workerModels(Main, namespace);
    expect(await new Jobs().size()).to.equal(0);
    expect(await new Processed('resize').get()).to.equal(100);
    expect(await new Processed('notify').get()).to.equal(200);
    expect(await new Processed('archive').get()).to.equal(100);
    const results = new Results();
    expect(await results.size()).to.equal(400);
    expect(await results.get('job-0-n')).to.deep.equal({
      job: 'job-0-n',
      type: 'notify',
      output: 'notify:job-0-n:2',
    });
  });
});
