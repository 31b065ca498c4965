/**
 * Notices a server that stopped answering, for the price of two counter updates per command
 * and one interval timer per server (node-redis' own per-command timeout costs an
 * `AbortSignal.timeout` per command, 3-4x throughput under load, and only covers the time
 * before the command is written).
 *
 * When commands are waiting and no reply has come for `limit` ms, every watched connection is
 * handed to `onStall` (which destroys it, rejecting what waited on it).
 *
 * @internal
 */
export class Watchdog<C> {
  /** Commands sent and not yet answered. */
  inflight = 0;
  /** Replies received so far. */
  progress = 0;
  /** Direct commands that failed (see `ConnectionMetrics`). */
  errors = 0;
  /** Shared connections opened. */
  connects = 0;
  /** Reconnect attempts of shared connections. */
  reconnects = 0;
  /** Connections dropped for silence. */
  drops = 0;
  readonly #watched = new Set<C>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limit: number,
    private readonly onStall: (stalled: C[]) => void,
  ) {}

  /** Counts a reply (or failure) received. */
  settled(): void {
    this.inflight--;
    this.progress++;
  }

  /** Counts a promise of a reply until it settles. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inflight++;
    return promise.then(
      (value) => {
        this.settled();
        return value;
      },
      (error: unknown) => {
        this.settled();
        throw error;
      },
    );
  }

  /** Starts watching a connection (the timer runs while any is watched). */
  watch(connection: C): void {
    this.#watched.add(connection);
    if (!this.limit || this.#timer) return;
    const tick = Math.max(5, Math.min(1000, Math.floor(this.limit / 4)));
    let seen = this.progress;
    let silent = 0;
    this.#timer = setInterval(() => {
      if (this.inflight <= 0 || this.progress !== seen) {
        seen = this.progress;
        silent = 0;
        return;
      }
      silent += tick;
      if (silent < this.limit) return;
      silent = 0;
      const stalled = [...this.#watched];
      this.#watched.clear();
      this.#stop();
      this.drops += stalled.length;
      this.onStall(stalled);
    }, tick);
    this.#timer.unref();
  }

  /** Stops watching a connection. */
  unwatch(connection: C): void {
    this.#watched.delete(connection);
    if (this.#watched.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
