import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { sessionLife } from '../../examples/map.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/map', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('stores a session with its TTL, keeps it from a second login, expires a flash message, logs out', async () => {
    const prefix = uniq('example');
    const report = await sessionLife(Main, prefix);
    expect(report).to.deep.equal({
      stored: true,
      replaced: false,
      session: { user: 'ann', roles: ['admin'] },
      ttl: 30, // Redis rounds the 30 000 ms left to the nearest second
      flash: 'Profile saved',
      flashLater: null,
      loggedOut: true,
      afterLogout: null,
    });
    expect(await target().raw('EXISTS', `${prefix}:session:abc123`)).to.equal(0);
  });
});
