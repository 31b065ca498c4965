/**
 * The dedicated connections of one endpoint (blocking commands, WATCH): a few idle ones kept
 * for the next call, the ones in use, and the orphans, given up on while a blocking reply was
 * still due (see `boundedWait`), which close themselves once that reply is in.
 *
 * @internal
 * @module
 */

/** What the pool needs of a connection (a node-redis client). */
export interface DedicatedClient {
  readonly isReady: boolean;
  destroy(): void;
  unref(): void;
}

/**
 * How many idle dedicated connections are kept at least, and for how long (ms). More are kept
 * while as many are in use: waiters that wake and block again in bursts (a semaphore's queue,
 * several consumers) then reuse their connections instead of opening new ones; each still closes
 * after `IDLE_MS` unused.
 */
const IDLE_KEPT = 2;
const IDLE_MS = 5000;

/** @internal */
export class DedicatedConnections<C extends DedicatedClient> {
  readonly #idle: C[] = [];
  readonly #busy = new Set<C>();
  readonly #orphans = new Set<C>();
  readonly #spent = new WeakSet<C>();

  /** An idle connection still ready, if any, now marked in use. */
  takeIdle(): C | undefined {
    let client = this.#idle.pop();
    while (client !== undefined && !client.isReady) {
      client.destroy();
      client = this.#idle.pop();
    }
    return client;
  }

  /** Marks a connection in use (close() destroys it). */
  use(client: C): void {
    this.#busy.add(client);
  }

  /** Marks a connection in use as not to be reused (closed when released, unless orphaned). */
  discard(client: C): void {
    this.#spent.add(client);
  }

  /**
   * Ends a use: a healthy connection is kept idle for the next call (at most `IDLE_KEPT`, or as
   * many as are in use if more, for a few seconds), any other closed; an orphan is left alone
   * (it closes itself).
   */
  release(client: C, healthy: boolean): void {
    this.#busy.delete(client);
    if (this.#orphans.has(client)) return;
    const kept = Math.max(IDLE_KEPT, this.#busy.size);
    if (!healthy || this.#spent.has(client) || !client.isReady || this.#idle.length >= kept) {
      client.destroy();
      return;
    }
    this.#idle.push(client);
    setTimeout(() => {
      const at = this.#idle.indexOf(client);
      if (at >= 0) {
        this.#idle.splice(at, 1);
        client.destroy();
      }
    }, IDLE_MS).unref();
  }

  /**
   * Takes over a connection whose blocking reply is still due: unreferenced (it keeps no process
   * alive), never reused, closed once `settled` resolves (or by close()).
   */
  adopt(client: C, settled: Promise<void>): void {
    this.#busy.delete(client);
    this.#orphans.add(client);
    client.unref();
    void settled.finally(() => {
      this.#orphans.delete(client);
      client.destroy();
    });
  }

  /**
   * Runs `fn` on a dedicated connection: an idle one, else `open()`s one. When `signal` aborts,
   * the connection is destroyed (a blocked command ends at once) and the call rejects with the
   * signal's reason; any other failure goes through `mapError`. `watchdog`: watched while `fn`
   * runs. The connection goes back to the idle ones unless it failed or was discarded.
   */
  async run<T>(
    open: () => Promise<C>,
    fn: (client: C) => Promise<T>,
    options: {
      signal?: AbortSignal;
      watchdog?: { watch(client: C): void; unwatch(client: C): void };
      mapError: (error: unknown) => unknown;
    },
  ): Promise<T> {
    const { signal, watchdog } = options;
    signal?.throwIfAborted();
    const own = this.takeIdle() ?? (await open());
    if (signal?.aborted) {
      own.destroy();
      signal.throwIfAborted();
    }
    this.use(own);
    watchdog?.watch(own);
    const abort = (): void => own.destroy();
    signal?.addEventListener('abort', abort, { once: true });
    let healthy = true;
    try {
      return await fn(own);
    } catch (error) {
      healthy = false;
      if (signal?.aborted) throw signal.reason;
      throw options.mapError(error);
    } finally {
      signal?.removeEventListener('abort', abort);
      watchdog?.unwatch(own);
      this.release(own, healthy);
    }
  }

  /** Closes every connection: idle, in use and orphaned. */
  closeAll(): void {
    for (const client of [...this.#idle.splice(0), ...this.#busy, ...this.#orphans]) {
      client.destroy();
    }
    this.#busy.clear();
    this.#orphans.clear();
  }
}
