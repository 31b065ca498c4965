import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { leaderboard } from '../../examples/sorted-set.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/sorted-set', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('ranks players: incr, a kept best score, the top 3 with scores, ranks, a count, truncate', async () => {
    const prefix = uniq('example');
    const report = await leaderboard(Main, prefix);
    expect(report).to.deep.equal({
      bob: 145,
      ann: 120,
      top3: [
        ['bob', 145],
        ['cid', 140],
        ['ann', 120],
      ],
      annRank: 2,
      zedRank: null,
      over100: 3,
      dropped: 1,
      players: ['bob', 'cid', 'ann'],
    });
    expect(await target().raw('ZCARD', `${prefix}:scores:season-1`)).to.equal(3);
  });
});
