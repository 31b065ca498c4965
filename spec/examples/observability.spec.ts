import { expect } from 'chai';
import { observability, printSpans, type Span } from '../../examples/observability.js';
import { closeAll, connectionTo, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

describe('examples/observability', function () {
  this.timeout(30_000);
  after(closeAll);

  it('prints a span per operation and batch, with the node-redis commands nested under them', async () => {
    const Main = connectionTo(await standalone());
    const name = uniq('observability');
    const { spans, metrics } = await observability(Main, name);
    const top = spans.filter((span) => span.parent === undefined);
    expect(top.map((span) => [span.name, span.error])).to.deep.equal([
      ['Visits INCRBY', undefined],
      ['Notes SET', undefined],
      ['Visits INCRBY', 'CommandError'],
      [`${Main.name} pipeline`, undefined],
      ['Nightly lock-acquire-3', undefined],
      ['Nightly lock-release-3', undefined],
    ]);
    const children = (span: Span) => spans.filter((s) => s.parent === span.id).map((s) => s.name);
    expect(children(top[0])).to.deep.equal(['redis INCRBY']);
    expect(children(top[3])).to.deep.equal(['redis INCRBY', 'redis GET']);
    expect(children(top[4])[0]).to.match(/^redis EVAL/);
    expect(printSpans(spans).split('\n')[1]).to.match(/^ {2}redis INCRBY /);
    expect(metrics.errors).to.equal(1);
    expect(metrics.commands).to.be.at.least(7);
  });
});
