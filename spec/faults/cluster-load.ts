import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Connection,
  ConnectionError,
  Counter,
  Map as RMap,
  RedisextError,
  WatchConflictError,
  model,
} from '../../src/index.js';
import { nodeRedisCluster, type NodeRedisClusterClient } from '../../src/node-redis.js';
import { slotOf } from '../../src/core/slot.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { ownerOf } from '../support/cluster.js';
import { raw, track, uniq } from '../support/helpers.js';

/**
 * The load of `cluster-failover.spec.ts`: loops of model operations on a cluster Connection,
 * counting what resolved, what a replica had (WAIT), and what failed.
 *
 * @module
 */

/** The shard (0, 1, 2: the master's index) of a key, in the harness' slot layout. */
export function shardOf(key: string): number {
  const slot = slotOf(key);
  return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
}

/** A fresh key of `shard`. */
export function keyIn(shard: number, prefix: string): string {
  for (;;) {
    const key = uniq(prefix);
    if (shardOf(key) === shard) return key;
  }
}

/** What one loop of the load counted. */
export interface Tally {
  readonly key: string;
  readonly kind: 'counter' | 'map' | 'transaction' | 'watch';
  /** Calls that resolved. */
  acked: number;
  /** Resolved writes a replica had too (WAIT on the connection that carried them). */
  confirmed: number;
  /** Map entries written: value → confirmed. */
  readonly entries: Map<string, boolean>;
  /** Rejections whose outcome is unknown (may have run). */
  unknown: number;
  readonly failures: unknown[];
  /** When each call resolved (ms since epoch; a WAIT after it not included). */
  readonly okAt: number[];
}

/** The connection node-redis uses now for the master of `key`'s slot, when it is ready. */
function connectionOf(cluster: NodeRedisClusterClient, key: string): unknown {
  const node = cluster.getSlotMaster(slotOf(key));
  return node.client?.isReady ? node.client : undefined;
}

/**
 * WAIT 1 on `before`, the connection that carried a write (when it still serves the key's slot):
 * true when a replica had the write. WAIT counts the writes of its own connection only, hence
 * the check that the write went there.
 */
async function replicated(Main: typeof Connection, key: string, before: unknown): Promise<boolean> {
  const cluster = await nodeRedisCluster(Main);
  if (before === undefined || connectionOf(cluster, key) !== before) return false;
  const client = before as { sendCommand(args: string[]): Promise<unknown> };
  return client.sendCommand(['WAIT', '1', '100']).then(
    (count) => Number(count) >= 1,
    () => false,
  );
}

/**
 * A load of model operations on a cluster Connection: counters and map entries (writes checked
 * with WAIT) on `direct` keys, transactions and watch() on `batched` keys through a second
 * Connection that does nothing else (so only their own redirections refresh its slot map).
 */
export class Load {
  readonly tallies: Tally[] = [];
  #running = true;
  readonly #loops: Promise<void>[] = [];

  constructor(
    readonly Main: typeof Connection,
    readonly Batches: typeof Connection,
  ) {}

  #tally(key: string, kind: Tally['kind']): Tally {
    const tally: Tally = {
      key,
      kind,
      acked: 0,
      confirmed: 0,
      entries: new Map(),
      unknown: 0,
      failures: [],
      okAt: [],
    };
    this.tallies.push(tally);
    return tally;
  }

  /**
   * Runs `step` (one call) until stopped; a resolved call may hand back how to check that a
   * replica has its write (not counted in the call's time).
   */
  async #loop(
    tally: Tally,
    step: (n: number) => Promise<(() => Promise<boolean>) | undefined>,
  ): Promise<void> {
    for (let n = 1; this.#running; n++) {
      try {
        const confirm = await step(n);
        tally.acked += 1;
        tally.okAt.push(Date.now());
        if (confirm && (await confirm())) tally.confirmed += 1;
      } catch (error) {
        tally.failures.push(error);
        if (error instanceof ConnectionError && error.outcome === 'unknown') tally.unknown += 1;
        await sleep(10);
      }
    }
  }

  /** Counter.incr on `key`, then WAIT. */
  counter(key: string): void {
    @model({ connection: this.Main })
    class Hits extends Counter {}
    const hits = new Hits(key);
    const tally = this.#tally(key, 'counter');
    this.#loops.push(
      this.#loop(tally, async () => {
        const before = connectionOf(await nodeRedisCluster(this.Main), key);
        await hits.incr();
        return () => replicated(this.Main, key, before);
      }),
    );
  }

  /** Map.set of a new entry in `key`'s slot each time, then WAIT. */
  map(key: string): void {
    @model({ connection: this.Main })
    class Docs extends RMap<string> {}
    const tally = this.#tally(key, 'map');
    this.#loops.push(
      this.#loop(tally, async (n) => {
        const entry = `{${key}}:${n}`;
        const before = connectionOf(await nodeRedisCluster(this.Main), key);
        await new Docs(entry).set(String(n));
        tally.entries.set(entry, false);
        return async () => {
          const confirmed = await replicated(this.Main, key, before);
          tally.entries.set(entry, confirmed);
          return confirmed;
        };
      }),
    );
  }

  /** A one-command transaction (INCR) on `key` through the batches' Connection. */
  transaction(key: string): void {
    @model({ connection: this.Batches })
    class Hits extends Counter {}
    const hits = new Hits(key);
    const tally = this.#tally(key, 'transaction');
    this.#loops.push(
      this.#loop(tally, async () => {
        await this.Batches.transaction((t) => [hits.in(t).incr()]);
        return undefined;
      }),
    );
  }

  /** A watch() read-modify-write (+1) on `key` through the batches' Connection. */
  watch(key: string): void {
    @model({ connection: this.Batches })
    class Hits extends Counter {}
    const hits = new Hits(key);
    const tally = this.#tally(key, 'watch');
    this.#loops.push(
      this.#loop(tally, async () => {
        await this.Batches.watch([hits], async (tx) => {
          const value = (await hits.in(tx).get()) ?? 0;
          return (t) => [hits.in(t).set(value + 1)];
        });
        return undefined;
      }),
    );
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /** Every failure is typed; WATCH conflicts are allowed only where `conflicts` says. */
  expectTyped(conflicts: (tally: Tally) => boolean = () => false): void {
    for (const tally of this.tallies) {
      for (const failure of tally.failures) {
        expect(failure, `${tally.kind} ${tally.key}: ${String(failure)}`).to.be.instanceOf(
          RedisextError,
        );
        if (failure instanceof WatchConflictError) expect(conflicts(tally)).to.equal(true);
      }
    }
  }

  count(what: (tally: Tally) => number, which: (tally: Tally) => boolean = () => true): number {
    return this.tallies.filter(which).reduce((sum, tally) => sum + what(tally), 0);
  }
}

/** The value of a counter key, read on the master that serves it now. */
export async function counterValue(nodes: readonly RedisServer[], view: RedisServer, key: string) {
  return Number((await raw(await ownerOf(nodes, slotOf(key), view), 'GET', key)) ?? 0);
}

/** A Connection class on a cluster, closed by the root hook. */
export function clusterConnection(seed: RedisServer): typeof Connection {
  const Main = class extends Connection {
    static override CLUSTER = seed.url;
  };
  track(() => Main.close());
  return Main;
}
