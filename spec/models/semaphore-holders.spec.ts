import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOLDERS_MARK } from '../../src/models/semaphore/layout.js';
import type { Lease } from '../../src/models/semaphore/lease.js';
import { uniq } from '../support/helpers.js';
import { semaphoreOn } from '../support/semaphores.js';
import { onEachTopology } from '../support/targets.js';

/**
 * The holders' mark (includes/sem-state.lua): one member of weight 0 scored +inf, added with the
 * first lease and deleted with the last, which keeps the holders a skiplist. The weight held is
 * ZCARD - 1; these tests check that the mark never counts as a permit, whichever path added it
 * (a lone acquire, a grouped one, a weighted one) and whichever path left it alone (a release,
 * an expiry).
 */

onEachTopology('Semaphore holders mark', (target) => {
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  const members = (key: string): Promise<unknown> => target().raw('ZRANGE', key, '0', '-1');

  it('comes with the first lease of each path (lone, grouped, weighted) and keeps a skiplist', async () => {
    const Slots = semaphoreOn(target(), 4);
    const lone = new Slots(uniq());
    const one = (await lone.acquire())!;
    expect(await members(lone.key)).to.deep.equal([`1:${one.token}`, HOLDERS_MARK]);

    const grouped = uniq();
    const leases = await Promise.all([1, 2, 3].map(() => new Slots(grouped).acquire()));
    expect(leases.every((lease) => lease !== null)).to.equal(true);
    expect(await target().raw('ZCARD', grouped)).to.equal(4);

    const weighted = new Slots(uniq());
    const heavy = (await weighted.acquire({ weight: 3 }))!;
    expect(await members(weighted.key)).to.deep.equal([
      ...[1, 2, 3].map((i) => `3:${heavy.token}#${i}`),
      HOLDERS_MARK,
    ]);
    for (const key of [lone.key, grouped, weighted.key]) {
      if (target().kind === 'standalone') {
        // (OBJECT ENCODING names its key second: the cluster helper routes by the first.)
        expect(await target().raw('OBJECT', 'ENCODING', key), key).to.equal('skiplist');
      }
      expect(await target().raw('ZRANGEBYSCORE', key, '(1e300', '+inf'), key).to.deep.equal([
        HOLDERS_MARK,
      ]);
    }
    // The mark is no permit: each semaphore grants exactly what is left of its 4.
    expect(await lone.available()).to.equal(3);
    expect(await new Slots(grouped).stats()).to.include({ used: 3, available: 1, holders: 3 });
    expect(await weighted.acquire({ weight: 2 })).to.equal(null);
    const last = (await weighted.acquire())!;
    expect(await weighted.acquire()).to.equal(null);

    // The release that leaves the mark alone deletes the key.
    await Promise.all([one, ...(leases as Lease[]), heavy, last].map((lease) => lease.release()));
    for (const key of [lone.key, grouped, weighted.key]) {
      expect(await target().raw('EXISTS', key), key).to.equal(0);
    }
  });

  it('left alone by an expiry, counts as nothing: all the permits are granted again', async () => {
    const Slots = semaphoreOn(target(), 3);
    const slots = new Slots(uniq());
    const leases = await Promise.all([1, 2, 3].map(() => slots.acquire({ ttl: 100 })));
    expect(leases.every((lease) => lease !== null)).to.equal(true);
    expect(await slots.acquire()).to.equal(null);
    await sleep(250);
    // The sweep of stats() removes the expired leases and leaves the mark, until the key expires.
    expect(await slots.stats()).to.include({ used: 0, available: 3, holders: 0 });
    expect(await members(slots.key)).to.deep.equal([HOLDERS_MARK]);
    const again = await Promise.all([1, 2, 3, 4].map(() => slots.acquire()));
    expect(again.map((lease) => lease !== null)).to.deep.equal([true, true, true, false]);
    // And alone, one attempt at a time, from the mark alone once more.
    await Promise.all(again.map((lease) => lease?.release()));
    const mark = await Promise.all([1, 2].map(() => slots.acquire({ ttl: 100 })));
    await sleep(250);
    expect(await slots.available()).to.equal(3);
    const singles: Array<Lease | null> = [];
    for (let i = 0; i < 4; i++) singles.push(await slots.acquire());
    expect(singles.map((lease) => lease !== null)).to.deep.equal([true, true, true, false]);
    expect(mark.every((lease) => lease !== null)).to.equal(true);
  });
});
