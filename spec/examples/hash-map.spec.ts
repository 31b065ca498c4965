import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { userProfile } from '../../examples/hash-map.js';
import { uniq } from '../support/helpers.js';
import { onEachTopology } from '../support/targets.js';

onEachTopology('examples/hash-map', (target) => {
  let Main: typeof Connection;
  before(() => {
    Main = target().connection();
  });

  it('keeps a typed profile in one hash: setMany, set, get, getMany, incr, remove, getAll', async () => {
    const prefix = uniq('example');
    const report = await userProfile(Main, prefix);
    expect(report).to.deep.equal({
      created: 3,
      verifiedIsNew: true,
      age: 36,
      contact: ['Ann', null],
      logins: 2,
      removed: true,
      profile: { name: 'Ann', age: 36, verified: true, logins: 2 },
    });
    // One hash, a JSON text per field.
    expect(await target().raw('HGET', `${prefix}:user:42`, 'name')).to.equal('"Ann"');
  });
});
