import type { Command } from '../core/command.js';
import { CommandError } from '../core/errors.js';
import type { Endpoint } from './endpoint.js';
import type { TrackHooks } from './open-client.js';
import { report } from './debug.js';

/**
 * Server-assisted client-side caching (RESP3 `CLIENT TRACKING`, default mode) for one
 * Connection class: the near caches of its model classes read their misses through
 * **tracking connections** (one per master, opened with node-redis' `emitInvalidate`, which
 * sends `CLIENT TRACKING ON` at every connect), and this object passes on what those
 * connections learn:
 *
 * - an invalidation push for a key: `invalidate(key)` to every listener (a flush: `clear()`);
 * - a tracking connection lost, reconnected, or silent past a heartbeat, or (cluster) a read met
 *   `MOVED` or a node's slot map changed: `clear()`, since pushes may have been lost or keys may
 *   be tracked elsewhere now (a near cache counts its clears, so a read that was in flight
 *   across one stores nothing).
 * - a write of this process (any model of the Connection, direct or batched): `invalidate(key)`
 *   when it is sent and again when its reply comes, so the next read sees it (read-your-writes)
 *   even before the server's push arrives on the tracking connection.
 *
 * Why a read's reply can be stored: the server starts tracking a key when the read runs on the
 * tracking connection, and a later change of the key sends its push on that same connection,
 * after the reply. A push or a local write that comes while the read is in flight makes the
 * listener drop the reply instead (see the near cache's pending reads), so a value older than
 * the last invalidation is never kept.
 *
 * @internal
 */
export class Tracking {
  readonly #listeners = new Set<TrackingListener>();
  #timer: NodeJS.Timeout | undefined;
  /** Endpoints whose heartbeat PING has not been answered yet. */
  readonly #pinging = new Set<Endpoint>();
  /** Endpoints found silent by the heartbeat (their caches were cleared). */
  readonly #silent = new Set<Endpoint>();
  /** A cluster: each node's slot map as it last gave it (`CLUSTER SLOTS`, as JSON). */
  readonly #slotMaps = new Map<Endpoint, string>();

  /**
   * @param route - where the tracking connections are (see {@link TrackingRoute}).
   * @param heartbeat - ms between PINGs on each open tracking connection; an unanswered one
   * clears the caches (a link that stalled would otherwise leave them stale).
   */
  constructor(
    private readonly route: TrackingRoute,
    private readonly heartbeat = 500,
  ) {}

  /** Adds a listener (a model class's near cache); returns the function that removes it. */
  subscribe(listener: TrackingListener): () => void {
    this.#listeners.add(listener);
    this.#beat();
    return () => this.#listeners.delete(listener);
  }

  /** The hooks of one tracking connection's client (see `open-client.ts`). */
  hooks(): TrackHooks {
    let ready = false;
    return {
      invalidate: (key) => (key === null ? this.clear('flush') : this.invalidate(key)),
      down: () => this.clear('tracking connection lost'),
      up: () => {
        // The first connect follows no loss; every later one does.
        if (ready) this.clear('tracking connection back');
        ready = true;
      },
    };
  }

  /** Drops `key` from every near cache of the Connection. */
  invalidate(key: string): void {
    for (const listener of this.#listeners) listener.invalidate(key);
  }

  /** Empties every near cache of the Connection; `why` is logged (`NODE_DEBUG=redisext`). */
  clear(why: string): void {
    report({ event: 'near-cache-clear', detail: why }, 'near caches emptied: %s', why);
    for (const listener of this.#listeners) listener.clear();
  }

  /**
   * Runs a read on the tracking connection of its key's master, so the server tracks the key
   * for this process. A `MOVED` reply (the slot moved: a cluster's resharding or failover)
   * empties the caches, refreshes the slot map and tries again (3 attempts in all); an `ASK`
   * (the slot is migrating) empties them and reads through `fallback` (the topology's own
   * route, which follows it), so the reply is not kept.
   */
  read<R>(command: Command<R>, fallback: () => Promise<R>): Promise<R> {
    this.#beat();
    return this.#read(command, fallback, 0).catch((error: unknown) =>
      this.route.follow(() => this.#read(command, fallback, 0), error),
    );
  }

  #read<R>(command: Command<R>, fallback: () => Promise<R>, attempt: number): Promise<R> {
    const endpoint = this.route.endpointOf(command.key ?? '');
    const sent =
      endpoint instanceof Promise
        ? endpoint.then((found) => found.exec(command))
        : endpoint.exec(command);
    return sent.catch((error: unknown) => {
      const code = error instanceof CommandError ? error.code : undefined;
      if (code === 'ASK') {
        this.clear('slot migrating (ASK)');
        return fallback();
      }
      if (code !== 'MOVED' || attempt >= 2) throw error;
      this.clear('slot moved (MOVED)');
      return this.route.refresh().then(() => this.#read(command, fallback, attempt + 1));
    });
  }

  /**
   * Stops the heartbeat and empties the caches: the Connection closes (its owner closes the
   * endpoints; a later read opens them again and restarts the heartbeat).
   */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pinging.clear();
    this.#silent.clear();
    this.#slotMaps.clear();
    this.clear('connection closed');
  }

  /** Starts the heartbeat once there is a listener. */
  #beat(): void {
    if (this.#timer !== undefined || this.heartbeat <= 0) return;
    this.#timer = setInterval(() => this.#ping(), this.heartbeat);
    this.#timer.unref();
  }

  /**
   * A node's `CLUSTER SLOTS`: a map other than the one it gave last time (a slot handed to
   * another node, a failover) empties the caches. So does the first one of each node: what was
   * cached before it may predate a change.
   */
  #sawSlots(endpoint: Endpoint, reply: unknown): void {
    const digest = JSON.stringify(reply);
    if (this.#slotMaps.get(endpoint) === digest) return;
    this.#slotMaps.set(endpoint, digest);
    this.clear('cluster slots changed (a slot moved, or a failover)');
    this.route.refresh().catch(() => undefined);
  }

  #ping(): void {
    for (const endpoint of this.route.endpoints()) {
      if (!endpoint.isOpen) continue;
      if (this.#pinging.has(endpoint)) {
        // Unanswered for a whole interval, unless its reply is waiting to be read: a busy event
        // loop runs this timer before it reads the sockets, so look again once it has.
        setImmediate(() => {
          if (!this.#pinging.has(endpoint) || this.#silent.has(endpoint)) return;
          // Silent: pushes may be stuck; nothing cached stays trusted.
          this.#silent.add(endpoint);
          this.clear('tracking connection silent');
        });
        continue;
      }
      this.#pinging.add(endpoint);
      const args = this.route.cluster ? ['CLUSTER', 'SLOTS'] : ['PING'];
      endpoint.exec({ args, write: false }).then(
        (reply) => {
          this.#pinging.delete(endpoint);
          this.#silent.delete(endpoint);
          if (this.route.cluster) this.#sawSlots(endpoint, reply);
        },
        () => {
          this.#pinging.delete(endpoint);
          this.#silent.delete(endpoint);
          this.clear('heartbeat failed');
        },
      );
    }
  }
}

/** What a near cache's read is to `mayRetry` (follow.ts): a plain read, safe to send again. */
export const TRACKED_READ: Command = { args: [], write: false };

/** What a {@link Tracking} tells a near cache. @internal */
export interface TrackingListener {
  /** The key changed (or may have): drop its entries; a read of it in flight stores nothing. */
  invalidate(key: string): void;
  /** Anything may have changed: drop every entry. */
  clear(): void;
}

/** Where a topology keeps its tracking connections. @internal */
export interface TrackingRoute {
  /** The tracking endpoint of the master that holds `key`. */
  endpointOf(key: string): Endpoint | Promise<Endpoint>;
  /** Brings the slot map up to date after a `MOVED` (a no-op off a cluster). */
  refresh(): Promise<void>;
  /** The tracking endpoints made so far. */
  endpoints(): Iterable<Endpoint>;
  /**
   * Tries a read again the way the topology follows a failover (a cluster: slot map refreshed,
   * for at most connectTimeout; Sentinel: the master looked up again), after it failed with
   * `error`; rejects with `error` where nothing is followed.
   */
  follow<T>(attempt: () => Promise<T>, error: unknown): Promise<T>;
  /**
   * A cluster: the heartbeat asks each node for its slot map (`CLUSTER SLOTS`), and a change
   * (a failover, a slot moved: the keys a node tracked for us may now be elsewhere, and an
   * absent key leaves no push behind) empties the caches and refreshes node-redis' slot map.
   */
  readonly cluster?: boolean;
}
