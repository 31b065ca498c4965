import { expect } from 'chai';
import { Map, RedisMap, model, serializer, type Connection } from '../../src/index.js';
import { closeAll, connectionTo, raw, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

describe('package exports', () => {
  after(closeAll);

  it('RedisMap is Map under a name that leaves the global Map alone', () => {
    expect(RedisMap).to.equal(Map);
    expect(RedisMap).to.not.equal(globalThis.Map);
    expect(new globalThis.Map([['a', 1]]).get('a')).to.equal(1);
  });

  it('RedisMap works as a model, with static fields or @model, on the layout of Map', async () => {
    const server = await standalone();
    const Main: typeof Connection = connectionTo(server);
    const prefix = uniq('exports');

    class Profile extends RedisMap<{ name: string }> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.JSON;
      static override PREFIX = prefix;
    }
    @model({ connection: Main, serializer: serializer.JSON, prefix })
    class SameProfile extends Map<{ name: string }> {}

    const ann = new Profile('ann');
    expect(ann).to.be.instanceOf(Map);
    expect(await ann.get()).to.equal(null);
    expect(await ann.set({ name: 'Ann' }, { ttl: 60_000 })).to.equal(true);
    expect(await ann.get()).to.deep.equal({ name: 'Ann' });
    expect(await raw(server, 'GET', `${prefix}:ann`)).to.equal('{"name":"Ann"}');
    expect(await new SameProfile('ann').get()).to.deep.equal({ name: 'Ann' });
    expect(await ann.remove()).to.equal(true);
  });
});
