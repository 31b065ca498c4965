import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOLDERS_MARK } from '../../src/models/semaphore/layout.js';
import type { Lease } from '../../src/models/semaphore/lease.js';
import { uniq } from '../support/helpers.js';
import { semaphoreOn } from '../support/semaphores.js';
import { onEachTopology } from '../support/targets.js';

/**
 * The holders' mark (includes/sem-state.lua): from 32 permits on, one member of weight 0 scored
 * +inf comes with the first lease and goes with the last, which keeps the holders a skiplist.
 * The weight held is counted without it (ZCOUNT below +inf): these tests check that the mark
 * never counts as a permit, whichever path added it (a lone acquire, a grouped one, a weighted
 * one), whichever path left it alone (a release, an expiry), and when handles that disagree on
 * PERMITS (one above 32, one below) share a key.
 */

const BIG = 40;

onEachTopology('Semaphore holders mark', (target) => {
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  const members = (key: string): Promise<unknown> => target().raw('ZRANGE', key, '0', '-1');

  /** Acquires one permit at a time until refused; the leases granted. */
  async function fill(slots: { acquire(): Promise<Lease | null> }): Promise<Lease[]> {
    const leases: Lease[] = [];
    for (let lease = await slots.acquire(); lease !== null; lease = await slots.acquire()) {
      leases.push(lease);
    }
    return leases;
  }

  it('comes with the first lease of each path (lone, grouped, weighted) and keeps a skiplist', async () => {
    const Slots = semaphoreOn(target(), BIG);
    const lone = new Slots(uniq());
    const one = (await lone.acquire())!;
    expect(await members(lone.key)).to.deep.equal([`1:${one.token}`, HOLDERS_MARK]);
    expect(Number(await target().raw('ZSCORE', lone.key, HOLDERS_MARK))).to.equal(Infinity);

    const grouped = uniq();
    const leases = await Promise.all([1, 2, 3].map(() => new Slots(grouped).acquire()));
    expect(leases.every((lease) => lease !== null)).to.equal(true);
    expect(await target().raw('ZCARD', grouped), 'three leases and the mark').to.equal(4);

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
    }
    // The mark is no permit: each semaphore grants exactly what is left of its 40.
    expect(await lone.available()).to.equal(BIG - 1);
    expect(await new Slots(grouped).stats()).to.include({ used: 3, holders: 3 });
    const rest = await fill(weighted);
    expect(rest).to.have.length(BIG - 3);

    // The release that leaves the mark alone deletes the key.
    await Promise.all(
      [one, ...(leases as Lease[]), heavy, ...rest].map((lease) => lease.release()),
    );
    for (const key of [lone.key, grouped, weighted.key]) {
      expect(await target().raw('EXISTS', key), key).to.equal(0);
    }
  });

  it('is not used below 32 permits: a listpack, gone with its last member', async () => {
    const Slots = semaphoreOn(target(), 31);
    const slots = new Slots(uniq());
    const leases = await fill(slots);
    expect(leases).to.have.length(31);
    expect(await target().raw('ZCARD', slots.key)).to.equal(31);
    expect(await target().raw('ZSCORE', slots.key, HOLDERS_MARK)).to.equal(null);
    if (target().kind === 'standalone') {
      expect(await target().raw('OBJECT', 'ENCODING', slots.key)).to.equal('listpack');
    }
    await Promise.all(leases.map((lease) => lease.release()));
    expect(await target().raw('EXISTS', slots.key)).to.equal(0);
  });

  it('left alone by an expiry, counts as nothing: all the permits are granted again', async () => {
    const Slots = semaphoreOn(target(), BIG);
    const slots = new Slots(uniq());
    const leases = await Promise.all([1, 2, 3].map(() => slots.acquire({ ttl: 100 })));
    expect(leases.every((lease) => lease !== null)).to.equal(true);
    await sleep(250);
    // The sweep of stats() removes the expired leases and leaves the mark, until the key expires.
    expect(await slots.stats()).to.include({ used: 0, available: BIG, holders: 0 });
    expect(await members(slots.key)).to.deep.equal([HOLDERS_MARK]);
    // One at a time from the mark alone, then many at once from the mark alone.
    const singles = await fill(slots);
    expect(singles).to.have.length(BIG);
    await Promise.all(singles.map((lease) => lease.release()));
    await Promise.all([1, 2].map(() => slots.acquire({ ttl: 100 })));
    await sleep(250);
    const together = await Promise.all(
      Array.from({ length: BIG + 2 }, () => new Slots(slots.key).acquire()),
    );
    expect(together.filter((lease) => lease !== null)).to.have.length(BIG);
  });

  it('handles that disagree on PERMITS (40 and 4) share a key: the mark never counts', async () => {
    const Big = semaphoreOn(target(), BIG);
    const Small = semaphoreOn(target(), 4);
    // Marked by the big handle, filled by the small one: 1 + 3, never 1 + 4.
    const marked = uniq();
    const first = (await new Big(marked).acquire())!;
    const small = await fill(new Small(marked));
    expect(small).to.have.length(3);
    expect(await new Big(marked).available()).to.equal(BIG - 4);
    // The small handle's releases do not look for the mark: the key waits for the big one's.
    await Promise.all(small.map((lease) => lease.release()));
    expect(await members(marked)).to.deep.equal([`1:${first.token}`, HOLDERS_MARK]);
    await first.release();
    expect(await target().raw('EXISTS', marked)).to.equal(0);
    // Created by the small handle (no mark), filled by the big one: exactly 40 in all.
    const plain = uniq();
    const two = await Promise.all([1, 2].map(() => new Small(plain).acquire()));
    const big = await fill(new Big(plain));
    expect(two.every((lease) => lease !== null)).to.equal(true);
    expect(big).to.have.length(BIG - 2);
  });
});
