import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { pageViews } from '../../examples/counter.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/counter', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('counts concurrent page views exactly, a singleton total, a decr, a never-set page and a reset', async () => {
    const prefix = uniq('example');
    const report = await pageViews(Main, prefix);
    // 30 + 12 visits, one /home visit taken back from the page and from the total.
    expect(report).to.deep.equal({
      home: 29,
      about: 12,
      total: 41,
      contact: null,
      aboutAfterReset: 0,
    });
    // The singleton's key is `<prefix>:views:total`, a plain string redis-cli can GET.
    expect(await target().raw('GET', `${prefix}:views:total`)).to.equal('41');
  });
});
