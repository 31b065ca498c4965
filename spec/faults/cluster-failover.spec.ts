import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommandError,
  ConnectionError,
  Counter,
  RedisextError,
  WatchConflictError,
  model,
} from '../../src/index.js';
import { slotOf } from '../../src/core/slot.js';
import {
  clusterWithReplicas,
  freshCluster,
  migrateSlot,
  ownerOf,
  type ReplicatedCluster,
} from '../support/cluster.js';
import { raw } from '../support/helpers.js';
import {
  clusterConnection,
  counterValue,
  keyIn,
  Load,
  shardOf,
  type Tally,
} from './cluster-load.js';

describe('faults: a Redis Cluster failover and a slot migration, under load', function () {
  this.timeout(60_000);

  it('a master SIGKILLed: operations follow its promoted replica, failures typed, nothing replicated lost', async () => {
    const { masters, replicas }: ReplicatedCluster = await clusterWithReplicas();
    const nodes = [...masters, ...replicas];
    const load = new Load(clusterConnection(masters[0]), clusterConnection(masters[0]));
    for (const shard of [0, 1, 2]) {
      load.counter(keyIn(shard, 'hits'));
      load.map(keyIn(shard, 'docs'));
    }
    for (const shard of [0, 1]) {
      load.transaction(keyIn(shard, 'tx'));
      load.watch(keyIn(shard, 'watched'));
    }
    await sleep(500);
    const killedAt = Date.now();
    masters[1].signal('SIGKILL');
    let promotedAt = 0;
    while (promotedAt === 0) {
      const role = await raw(replicas[1], 'ROLE').catch(() => ['?']);
      if (String((role as unknown[])[0]) === 'master') promotedAt = Date.now();
      else if (Date.now() - killedAt > 20_000) throw new Error('the replica was not promoted');
      else await sleep(20);
    }
    // Let every loop of the killed master's slots succeed again (bounded), then one more second.
    const deadline = promotedAt + 10_000;
    const onKilled = (tally: Tally): boolean => shardOf(tally.key) === 1;
    const resumed = (tally: Tally): boolean => tally.okAt.some((at) => at > promotedAt);
    while (!load.tallies.filter(onKilled).every(resumed) && Date.now() < deadline) await sleep(20);
    await sleep(1_000);
    await load.stop();

    // Followed: every loop on the failed master's slots succeeded again, within the bound.
    const firstOk = load.tallies
      .filter(onKilled)
      .map((tally) => tally.okAt.find((at) => at > promotedAt) ?? Infinity);
    const followed = Math.max(...firstOk) - promotedAt;
    console.log(
      `      replica promoted ${promotedAt - killedAt} ms after SIGKILL; operations on its slots ` +
        `followed ${Math.min(...firstOk) - promotedAt}-${followed} ms after the promotion`,
    );
    expect(followed, 'every loop on the failed slots resumed').to.be.below(5_000);
    load.expectTyped();
    // Elsewhere, operations went on (CLUSTERDOWN while the cluster was down was retried).
    for (const tally of load.tallies) expect(tally.okAt.at(-1)).to.be.above(promotedAt);
    // A failover shorter than connectTimeout (5 s, less a margin for a busy machine) is waited
    // through: direct calls and transactions only fail when they may have run (in flight at the
    // kill). watch() is not retried on CLUSTERDOWN (see docs/topologies.md, Limits).
    if (promotedAt - killedAt < 3_500) {
      for (const tally of load.tallies.filter((t) => t.kind !== 'watch')) {
        for (const failure of tally.failures) {
          expect(failure, `${tally.kind}: ${String(failure)}`).to.be.instanceOf(ConnectionError);
          expect((failure as ConnectionError).outcome).to.equal('unknown');
        }
      }
    }

    // Nothing lost that a replica had; on the masters that lived, nothing acknowledged lost.
    const view = masters[0];
    for (const tally of load.tallies.filter((t) => t.kind !== 'map')) {
      const value = await counterValue(nodes, view, tally.key);
      expect(value, `${tally.kind} ${tally.key}`).to.be.at.most(tally.acked + tally.unknown);
      if (!onKilled(tally)) expect(value, `${tally.kind} ${tally.key}`).to.be.at.least(tally.acked);
      else expect(value, `${tally.kind} ${tally.key}`).to.be.at.least(tally.confirmed);
    }
    let unconfirmedLost = 0;
    for (const tally of load.tallies.filter((t) => t.kind === 'map')) {
      for (const [entry, confirmed] of tally.entries) {
        const owner = await ownerOf(nodes, slotOf(entry), view);
        const present = (await raw(owner, 'EXISTS', entry)) === 1;
        if (confirmed || !onKilled(tally)) expect(present, entry).to.equal(true);
        else if (!present) unconfirmedLost += 1;
      }
    }
    const acked = load.count((t) => t.acked);
    const confirmed = load.count((t) => t.confirmed);
    const failed = new Map<string, number>();
    for (const tally of load.tallies) {
      for (const failure of tally.failures) {
        const what =
          failure instanceof ConnectionError
            ? `ConnectionError ${failure.outcome}`
            : failure instanceof CommandError
              ? `${failure.code}`
              : (failure as Error).name;
        const group = `${tally.kind} ${what}`;
        failed.set(group, (failed.get(group) ?? 0) + 1);
      }
    }
    const lostCounts = await Promise.all(
      load.tallies
        .filter((t) => t.kind === 'counter' && onKilled(t))
        .map(async (t) => Math.max(0, t.acked - (await counterValue(nodes, view, t.key)))),
    );
    console.log(
      `      ${acked} calls resolved (${confirmed} writes confirmed by WAIT); rejected typed: ` +
        `${[...failed].map(([group, n]) => `${n} ${group}`).join(', ') || 'none'}; acknowledged ` +
        `by the killed master but not replicated, lost: ` +
        `${lostCounts.reduce((a, b) => a + b, 0) + unconfirmedLost}`,
    );
  });

  it('a slot migration: direct calls, transactions and watch() follow it; nothing acknowledged lost', async () => {
    const { masters }: ReplicatedCluster = await clusterWithReplicas();
    const load = new Load(clusterConnection(masters[0]), clusterConnection(masters[0]));
    const tag = keyIn(1, 'migrating');
    const key = (kind: string): string => `{${tag}}:${kind}`;
    load.counter(key('hits'));
    load.map(key('docs'));
    load.transaction(key('tx'));
    load.watch(key('watched'));
    await sleep(300);
    const slot = slotOf(tag);
    for (const target of [masters[2], masters[0]]) {
      await migrateSlot(masters, slot, target);
      await sleep(100);
    }
    const migratedAt = Date.now();
    await sleep(500);
    await load.stop();
    // A migrated key was changed on its old node (MIGRATE deletes it there), which WATCH reports
    // as a lost race: only those may fail, and only in watch().
    load.expectTyped((tally) => tally.kind === 'watch');
    for (const tally of load.tallies) {
      expect(tally.failures.filter((f) => !(f instanceof WatchConflictError))).to.deep.equal([]);
      const after = tally.okAt.filter((at) => at > migratedAt).length;
      expect(after, `${tally.kind} calls after the migrations`).to.be.above(5);
      if (tally.kind === 'map') {
        for (const entry of tally.entries.keys()) {
          const owner = await ownerOf(masters, slotOf(entry), masters[1]);
          expect(await raw(owner, 'GET', entry), entry).to.not.equal(null);
        }
      } else {
        expect(await counterValue(masters, masters[1], tally.key)).to.equal(tally.acked);
      }
    }
    expect(await ownerOf(masters, slot, masters[1])).to.equal(masters[0]);
  });

  it('a master restarted at the same address (no replica) is used again once it is back', async () => {
    const nodes = await freshCluster();
    const Main = clusterConnection(nodes[0]);
    @model({ connection: Main })
    class Hits extends Counter {}
    const hits = new Hits(keyIn(1, 'restarted'));
    expect(await hits.incr()).to.equal(1);
    // Down for longer than the quick reconnects (350 ms): the node client gives up for good.
    nodes[1].signal('SIGKILL');
    await sleep(800);
    await nodes[1].restart();
    const started = Date.now();
    // A restarted master serves again once it sees the cluster ok (Redis waits ~2 s for that).
    const serving = (async () => {
      while (!String(await raw(nodes[1], 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        await sleep(20);
      }
      return Date.now() - started;
    })();
    for (;;) {
      try {
        await hits.incr();
        break;
      } catch (error) {
        expect(error).to.be.instanceOf(RedisextError);
        if (Date.now() - started > 10_000) throw error;
        await sleep(50);
      }
    }
    const took = Date.now() - started;
    console.log(
      `      restarted master: cluster_state:ok after ${await serving} ms, writes succeeded after ${took} ms`,
    );
    expect(took).to.be.below(10_000);
  });
});
