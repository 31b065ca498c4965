import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Connection,
  ConnectionError,
  Counter,
  Map as RMap,
  RedisextError,
  model,
  type RedisClient,
} from '../../src/index.js';
import { track, uniq } from '../support/helpers.js';
import { ask, sentinelGroup } from '../support/sentinel.js';

/** What one loop of the load counted. */
interface Tally {
  readonly key: string;
  readonly kind: 'counter' | 'map';
  acked: number;
  /** Resolved writes a replica had too (WAIT on the connection that carried them). */
  confirmed: number;
  /** Map entries written: entry → confirmed by WAIT. */
  readonly entries: Map<string, boolean>;
  unknown: number;
  readonly failures: unknown[];
  /** When each write resolved (ms since epoch), and when it was called. */
  readonly okAt: number[];
  readonly calledAt: number[];
}

describe('faults: a Sentinel failover under load', function () {
  this.timeout(40_000);

  it('the master SIGKILLed: writes resume on the promoted replica, failures typed, nothing replicated lost', async () => {
    const group = await sentinelGroup();
    const Main = class extends Connection {
      static override SENTINEL = { name: group.name, sentinels: [group.sentinel.url] };
    };
    track(() => Main.close());
    @model({ connection: Main })
    class Hits extends Counter {}
    @model({ connection: Main })
    class Docs extends RMap<string> {}

    /** The master's shared connection now (opened if need be, as the next write would). */
    const current = (): Promise<RedisClient | undefined> =>
      Main.client().then(
        (client) => (client.isReady ? client : undefined),
        () => undefined,
      );
    /** WAIT 1 on the connection that carried a write, when it is still the master's. */
    const replicated = async (before: RedisClient | undefined): Promise<boolean> => {
      if (before === undefined || (await current()) !== before) return false;
      return before.sendCommand(['WAIT', '1', '100']).then(
        (count) => Number(count) >= 1,
        () => false,
      );
    };

    const tallies: Tally[] = [];
    let running = true;
    const loop = async (kind: Tally['kind']): Promise<void> => {
      const key = uniq(kind);
      const tally: Tally = {
        key,
        kind,
        acked: 0,
        confirmed: 0,
        entries: new Map(),
        unknown: 0,
        failures: [],
        okAt: [],
        calledAt: [],
      };
      tallies.push(tally);
      for (let n = 1; running; n++) {
        try {
          const before = await current();
          const entry = `${key}:${n}`;
          const calledAt = Date.now();
          if (kind === 'counter') await new Hits(key).incr();
          else await new Docs(entry).set(String(n));
          tally.acked += 1;
          tally.okAt.push(Date.now());
          tally.calledAt.push(calledAt);
          const confirmed = await replicated(before);
          if (kind === 'map') tally.entries.set(entry, confirmed);
          if (confirmed) tally.confirmed += 1;
        } catch (error) {
          tally.failures.push(error);
          if (error instanceof ConnectionError && error.outcome === 'unknown') tally.unknown += 1;
          await sleep(10);
        }
      }
    };
    const loops = [loop('counter'), loop('counter'), loop('map'), loop('map')];
    await sleep(500);

    const killedAt = Date.now();
    group.master.signal('SIGKILL');
    // When the sentinel starts naming the new master (after it saw the promotion).
    const named = (async () => {
      const port = String(group.replica.port);
      for (;;) {
        const address = (await ask(
          group.sentinel,
          'SENTINEL',
          'GET-MASTER-ADDR-BY-NAME',
          group.name,
        )) as string[];
        if (String(address?.[1]) === port) return Date.now();
        await sleep(20);
      }
    })();
    let promotedAt = 0;
    while (promotedAt === 0) {
      const role = (await ask(group.replica, 'ROLE')) as unknown[];
      if (String(role[0]) === 'master') promotedAt = Date.now();
      else if (Date.now() - killedAt > 20_000) throw new Error('sentinel did not promote');
      else await sleep(20);
    }
    /** When the first write called after the kill resolved. */
    const resumedAt = (t: Tally): number => t.okAt.find((_, i) => t.calledAt[i] > killedAt) ?? 0;
    while (!tallies.every(resumedAt) && Date.now() < promotedAt + 10_000) await sleep(20);
    await sleep(500);
    running = false;
    await Promise.all(loops);

    const firstOk = tallies.map((t) => resumedAt(t) || Infinity);
    const last = Math.max(...firstOk);
    const namedAt = await named;
    console.log(
      `      sentinel promoted the replica ${promotedAt - killedAt} ms after SIGKILL and named it ` +
        `${namedAt - killedAt} ms after; writes resumed ${Math.min(...firstOk) - killedAt}-` +
        `${last - killedAt} ms after SIGKILL (${last - namedAt} ms after it was named)`,
    );
    expect(last - promotedAt, 'every loop resumed after the promotion').to.be.below(5_000);
    for (const tally of tallies) {
      for (const failure of tally.failures) expect(failure).to.be.instanceOf(RedisextError);
    }
    // A failover shorter than connectTimeout (5 s, less a margin for a busy machine) is waited
    // through: a write only fails when it may have run (in flight at the kill).
    if (namedAt - killedAt < 3_500) {
      for (const failure of tallies.flatMap((t) => t.failures)) {
        expect(failure, String(failure)).to.be.instanceOf(ConnectionError);
        expect((failure as ConnectionError).outcome).to.equal('unknown');
      }
    }

    // On the new master: every write a replica had (WAIT), at most every write that may have run.
    const lost = { counter: 0, map: 0 };
    for (const tally of tallies) {
      if (tally.kind === 'counter') {
        const value = Number((await ask(group.replica, 'GET', tally.key)) ?? 0);
        expect(value, tally.key).to.be.at.least(tally.confirmed);
        expect(value, tally.key).to.be.at.most(tally.acked + tally.unknown);
        lost.counter += Math.max(0, tally.acked - value);
      } else {
        for (const [entry, confirmed] of tally.entries) {
          const present = (await ask(group.replica, 'EXISTS', entry)) === 1;
          if (confirmed) expect(present, entry).to.equal(true);
          else if (!present) lost.map += 1;
        }
      }
    }
    const acked = tallies.reduce((sum, t) => sum + t.acked, 0);
    const confirmed = tallies.reduce((sum, t) => sum + t.confirmed, 0);
    const failed = tallies.reduce((sum, t) => sum + t.failures.length, 0);
    console.log(
      `      ${acked} writes resolved (${confirmed} confirmed by WAIT), ${failed} rejected typed; ` +
        `acknowledged by the killed master but not replicated, lost: ${lost.counter + lost.map}`,
    );
  });
});
