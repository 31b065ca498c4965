import type { Command } from '../core/command.js';
import { CommandError } from '../core/errors.js';
import type { Endpoint } from './endpoint.js';
import type { TrackHooks } from './open-client.js';
import { report } from './debug.js';

export type { TrackHooks } from './open-client.js';

/**
 * Server-assisted client-side caching (RESP3 `CLIENT TRACKING`, default mode) for one
 * Connection class: the near caches of its model classes read their misses through
 * **tracking connections** (one per master, opened with node-redis' `emitInvalidate`, which
 * sends `CLIENT TRACKING ON` at every connect), and this object passes on what those
 * connections learn:
 *
 * - an invalidation push for a key: `invalidate(key)` to every listener (a flush: `clear()`);
 * - a tracking connection lost, reconnected, or silent past a heartbeat, or (cluster) a read met
 *   `MOVED`: `clear()`, since pushes may have been lost; {@link Tracking.epoch} counts these, so
 *   a read that was in flight across one stores nothing.
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
  #epoch = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Endpoints whose heartbeat PING has not been answered yet. */
  readonly #pinging = new Set<Endpoint>();
  /** Endpoints found silent by the heartbeat (their caches were cleared). */
  readonly #silent = new Set<Endpoint>();

  /**
   * @param route - where the tracking connections are (see {@link TrackingRoute}).
   * @param heartbeat - ms between PINGs on each open tracking connection; an unanswered one
   * clears the caches (a link that stalled would otherwise leave them stale).
   */
  constructor(
    private readonly route: TrackingRoute,
    private readonly heartbeat = 500,
  ) {}

  /** Counts the clears; a read stores its reply only if no clear happened since it began. */
  get epoch(): number {
    return this.#epoch;
  }

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
    this.#epoch++;
    for (const listener of this.#listeners) listener.clear();
  }

  /**
   * Runs a read on the tracking connection of its key's master, so the server tracks the key
   * for this process. A `MOVED` reply (the slot moved: a cluster's resharding or failover)
   * empties the caches, refreshes the slot map and tries again (3 attempts in all); an `ASK`
   * (the slot is migrating) empties them and reads through `fallback` (the topology's own
   * route, which follows it), so the reply is not kept.
   */
  async read<R>(command: Command<R>, fallback: () => Promise<R>): Promise<R> {
    const key = command.key ?? '';
    this.#beat();
    for (let attempt = 0; ; attempt++) {
      const endpoint = await this.route.endpointOf(key);
      try {
        return await endpoint.exec(command);
      } catch (error) {
        const code = error instanceof CommandError ? error.code : undefined;
        if (code === 'ASK') {
          this.clear('slot migrating (ASK)');
          return fallback();
        }
        if (code !== 'MOVED' || attempt >= 2) throw error;
        this.clear('slot moved (MOVED)');
        await this.route.refresh();
      }
    }
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
    this.clear('connection closed');
  }

  /** Starts the heartbeat once there is a listener. */
  #beat(): void {
    if (this.#timer !== undefined || this.heartbeat <= 0) return;
    this.#timer = setInterval(() => this.#ping(), this.heartbeat);
    this.#timer.unref();
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
      endpoint.exec({ args: ['PING'], write: false }).then(
        () => {
          this.#pinging.delete(endpoint);
          this.#silent.delete(endpoint);
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
}
