import { expect } from 'chai';
import { WrongTypeError } from '../../src/index.js';
import type { Lease } from '../../src/models/semaphore/lease.js';
import { Semaphore } from '../../src/models/semaphore/semaphore.js';
import { eventually, uniq } from '../support/helpers.js';
import { semaphoreOn } from '../support/semaphores.js';
import { commandCalls, onEachTopology, type Target } from '../support/targets.js';

/**
 * Semaphore calls issued together on one semaphore run as one grouped script call on a shared
 * connection (sem-acquire-group-5.lua, sem-release-group-5.lua; core/grouped-calls.ts): each
 * call gets what it would have got alone, in the order issued. On a cluster nothing is grouped,
 * and the same answers must come.
 */

const side = (key: string, suffix: string): string => `{${key}}:${suffix}`;

/** Script calls (EVALSHA and EVAL) the servers ran so far. */
async function scriptCalls(target: Target): Promise<number> {
  return (await commandCalls(target, 'evalsha', 'eval')).reduce((a, b) => a + b, 0);
}

onEachTopology('Semaphore calls issued together', (target) => {
  // Every test starts on an empty script cache: the group scripts must load themselves.
  beforeEach(() => target().rawAll('SCRIPT', 'FLUSH'));

  it('grant exactly the free permits, in call order, with fences increasing in that order', async () => {
    const Slots = semaphoreOn(target(), 5);
    const key = uniq();
    const before = await scriptCalls(target());
    const leases = await Promise.all(Array.from({ length: 8 }, () => new Slots(key).acquire()));
    const spent = (await scriptCalls(target())) - before;
    const granted = leases.filter((lease): lease is Lease => lease !== null);
    expect(leases.map((lease) => lease !== null)).to.deep.equal([
      ...new Array<boolean>(5).fill(true),
      ...new Array<boolean>(3).fill(false),
    ]);
    const fences = granted.map((lease) => lease.fence);
    for (let i = 1; i < fences.length; i++) expect(fences[i]).to.be.above(fences[i - 1]);
    expect(await new Slots(key).available()).to.equal(0);
    expect(Number(await target().raw('ZCARD', key))).to.equal(5);
    const ttl = Number(await target().raw('PTTL', key));
    expect(ttl, 'the holders key expires after the leases').to.be.above(Semaphore.TTL);
    if (target().kind === 'standalone') {
      // one call (an EVALSHA met by NOSCRIPT may add one EVAL), not eight
      expect(spent, 'script calls for 8 acquires issued together').to.be.at.most(2);
    }
    const released = await Promise.all(granted.map((lease) => lease.release()));
    expect(released).to.deep.equal(new Array<boolean>(5).fill(true));
    expect(await new Slots(key).available()).to.equal(5);
  });

  it('release each lease once: the same lease released twice in one tick answers false once', async () => {
    const Slots = semaphoreOn(target(), 3);
    const key = uniq();
    const leases = (await Promise.all([1, 2, 3].map(() => new Slots(key).acquire()))) as Lease[];
    expect(leases.map((lease) => lease.held())).to.deep.equal([true, true, true]);
    const answers = await Promise.all([
      leases[0].release(),
      leases[1].release(),
      leases[0].release(),
      leases[2].release(),
    ]);
    expect(answers.filter(Boolean)).to.have.length(3);
    expect(answers[0] !== answers[2], 'one of the two releases of the first lease').to.equal(true);
    expect(await new Slots(key).available()).to.equal(3);
    expect(await target().raw('EXISTS', key)).to.equal(0);
  });

  it('never overtake a queued waiter, and serve it before the calls issued together after it', async () => {
    const Slots = semaphoreOn(target(), 3);
    const key = uniq();
    const holder = (await new Slots(key).acquire({ weight: 3 }))!;
    const waiter = new Slots(key).acquire({ weight: 2, wait: 10_000 });
    await eventually(async () => Number(await target().raw('ZCARD', side(key, 'queue'))) === 1);
    // The queue exists: calls that do not wait are refused, whatever is free.
    const refused = await Promise.all([1, 2, 3].map(() => new Slots(key).acquire()));
    expect(refused).to.deep.equal([null, null, null]);
    await holder.release();
    const served = (await waiter)!;
    expect(served.fence).to.be.above(holder.fence);
    // 1 permit left beside the waiter's 2: of the calls issued together, the first gets it.
    const after = await Promise.all([1, 2].map(() => new Slots(key).acquire()));
    expect(after.map((lease) => lease !== null)).to.deep.equal([true, false]);
    expect(after[0]!.fence).to.be.above(served.fence);
    await Promise.all([served.release(), after[0]!.release()]);
    expect(await new Slots(key).available()).to.equal(3);
  });

  it('mix weights in one group: each call answers as it would alone, in order', async () => {
    const Slots = semaphoreOn(target(), 4);
    const key = uniq();
    const leases = await Promise.all(
      [1, 2, 1, 1, 1].map((weight) => new Slots(key).acquire({ weight })),
    );
    // 1 + 2 + 1 = 4 fill the permits; the last two find none left
    expect(leases.map((lease) => lease?.weight ?? 0)).to.deep.equal([1, 2, 1, 0, 0]);
    const fences = leases.filter((lease) => lease !== null).map((lease) => lease.fence);
    expect(fences).to.deep.equal([...fences].sort((a, b) => a - b));
    expect(new Set(fences).size).to.equal(3);
    expect(Number(await target().raw('ZCARD', key))).to.equal(4);
    const released = await Promise.all(leases.map((lease) => lease?.release()));
    expect(released).to.deep.equal([true, true, true, undefined, undefined]);
    expect(await target().raw('EXISTS', key)).to.equal(0);
  });

  it('fail each call of the group typed, naming the key, when the key holds another type', async () => {
    const Slots = semaphoreOn(target(), 3);
    const key = uniq();
    await target().raw('SET', key, 'not a sorted set');
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => new Slots(key).acquire()));
    for (const outcome of outcomes) {
      expect(outcome.status).to.equal('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).to.be.instanceOf(WrongTypeError);
      expect(reason.message).to.include(key);
    }
    expect(await target().raw('GET', key)).to.equal('not a sorted set');
    expect(await target().raw('EXISTS', side(key, 'fence'))).to.equal(0);
  });
});
