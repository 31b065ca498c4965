import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeRedisCluster } from './cluster-client.js';
import { errorLabel, report } from './debug.js';

/**
 * Following a cluster whose nodes change: a master killed and its replica promoted, a node
 * restarted. node-redis 6 leaves two gaps there, which this file fills:
 *
 * - a node client whose reconnects gave up (our quick `reconnectAttempts`) stays in the slot map,
 *   closed: every command for its slots rejects with "The client is closed", forever;
 * - its slot map is refreshed on `MOVED` and, in the background, only after a node client has
 *   kept reconnecting for `topologyRefreshOnReconnectionAttemptStrategy` (5 s by default): a dead
 *   master answers no `MOVED`, and our reconnects stop long before, so the promoted replica is
 *   never learnt.
 *
 * So a command that meets a connection failure or `CLUSTERDOWN` asks for one slot refresh
 * (shared by concurrent callers, at most one per {@link REFRESH_GAP} ms): node-redis' own
 * rediscovery (`CLUSTER SLOTS` from a node that answers), then every closed node client still in
 * the map is dropped, so the next command for it connects afresh. A command that surely did not
 * run is then sent again (`follow`, follow.ts).
 *
 * @internal
 * @module
 */

/** Least time between the end of a slot refresh and the start of the next. */
const REFRESH_GAP = 100;
/** Least time between two fresh connections to a node whose client gave up. */
const REDIAL_GAP = 1000;

/** What node-redis' cluster client keeps inside (not part of its typed API). */
interface SlotsInternals {
  rediscover?: (startWith?: unknown, excluded?: Set<string>) => Promise<void>;
}

/**
 * Slot refreshes of one node-redis cluster client: see the module comment.
 *
 * @internal
 */
export class SlotRefresh {
  #running: Promise<void> | undefined;
  #endedAt = 0;
  /** When the closed client of each node address was last dropped. */
  readonly #droppedAt = new Map<string, number>();

  /**
   * @param limit - how long a caller waits for a refresh (connectTimeout); one that takes
   *   longer goes on in the background.
   * @param unsupported - called instead when node-redis offers no rediscovery (another
   *   version): the caller drops the cluster client, so the next command connects afresh.
   */
  constructor(
    private readonly limit: number,
    private readonly unsupported: (cluster: NodeRedisCluster) => void,
  ) {}

  /** Refreshes the slot map of `cluster` (or joins the refresh under way); never rejects. */
  refresh(cluster: NodeRedisCluster): Promise<void> {
    this.#running ??= this.#run(cluster).finally(() => {
      this.#running = undefined;
      this.#endedAt = Date.now();
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.limit);
    });
    return Promise.race([this.#running, bound]).finally(() => clearTimeout(timer));
  }

  async #run(cluster: NodeRedisCluster): Promise<void> {
    const wait = this.#endedAt + REFRESH_GAP - Date.now();
    if (wait > 0) await sleep(wait);
    const slots = (cluster as unknown as { _slots?: SlotsInternals })._slots;
    if (typeof slots?.rediscover !== 'function') {
      this.unsupported(cluster);
      return;
    }
    // Rejects when no node answered (reported by node-redis as an 'error' event too): the map
    // stays as it was, and the next failure asks again.
    report({ event: 'cluster-refresh' }, 'cluster: refreshing the slot map');
    await slots.rediscover().catch((error: unknown) => {
      const label = errorLabel(error);
      report({ event: 'cluster-refresh', error: label }, 'cluster: refresh failed: %s', label);
    });
    this.#dropClosedClients(cluster);
  }

  /**
   * Drops the node clients of `cluster` that are closed for good (their reconnects gave up)
   * while their node is still in the slot map: node-redis then connects afresh on the next
   * command for it, as it does itself after a failed first connect. Without this, a node that
   * comes back at the same address (a restart) would never be used again. At most once per
   * {@link REDIAL_GAP} ms per node: in between, commands for a node that is still down fail at
   * once (not sent) instead of each waiting for the quick reconnects of a fresh client.
   */
  #dropClosedClients(cluster: NodeRedisCluster): void {
    if (!cluster.isOpen) return;
    const now = Date.now();
    for (const node of [...cluster.masters, ...cluster.replicas]) {
      const client = node.client;
      if (client === undefined || client.isOpen || node.connectPromise !== undefined) continue;
      if (now - (this.#droppedAt.get(node.address) ?? 0) < REDIAL_GAP) continue;
      this.#droppedAt.set(node.address, now);
      node.client = undefined;
      try {
        client.destroy();
      } catch {
        // already torn down
      }
    }
  }
}
