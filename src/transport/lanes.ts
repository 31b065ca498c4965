import { slotOf } from '../core/slot.js';

/** The most lanes a server may have (`ConnectionOptions.lanes`). */
export const MAX_LANES = 16;

/**
 * The shared connections ("lanes") of one endpoint: `count` clients of the same server, each
 * opened on its first use. A command goes to the lane of its key's cluster slot, so every
 * command on one key, and every script on its side keys (same slot, see `sideKey`), goes
 * through one connection, in the order issued; a command without a key goes to lane 0.
 *
 * Connecting is shared: while a lane connects, its callers wait on one promise. The lane's
 * client is set by the first reaction to that promise, so the callers that waited send before
 * any command issued after the connect (per-key order holds across a connect too).
 *
 * @internal
 */
export class Lanes<C> {
  readonly #clients: Array<C | undefined>;
  readonly #connecting: Array<Promise<C> | undefined>;

  /**
   * @param count - how many lanes (1 to {@link MAX_LANES}, checked by the options).
   * @param open - connects a client for a lane (and starts watching it).
   */
  constructor(
    readonly count: number,
    private readonly open: (lane: number) => Promise<C>,
  ) {
    this.#clients = new Array<C | undefined>(count).fill(undefined);
    this.#connecting = new Array<Promise<C> | undefined>(count).fill(undefined);
  }

  /** The lane of a key: its cluster slot modulo `count`; lane 0 for no key (or one lane). */
  laneOf(key: string | undefined): number {
    return this.count === 1 || key === undefined || key === '' ? 0 : slotOf(key) % this.count;
  }

  /** The connected client of `key`'s lane, if any (the hot path: nothing allocated). */
  clientFor(key: string | undefined): C | undefined {
    return this.#clients[this.count === 1 ? 0 : this.laneOf(key)];
  }

  /** The connected client of a lane, if any. */
  clientAt(lane: number): C | undefined {
    return this.#clients[lane];
  }

  /** The client of `key`'s lane, connecting it on first use. */
  connectFor(key: string | undefined): Promise<C> {
    return this.connect(this.laneOf(key));
  }

  /** The client of a lane, connecting it on first use (one connect at a time per lane). */
  connect(lane: number): Promise<C> {
    const ready = this.#clients[lane];
    if (ready !== undefined) return Promise.resolve(ready);
    let pending = this.#connecting[lane];
    if (pending === undefined) {
      const opening = this.open(lane);
      pending = opening;
      this.#connecting[lane] = opening;
      // The first reaction: it runs before those of the callers (see the class).
      opening.then(
        (client) => {
          this.#connecting[lane] = undefined;
          this.#clients[lane] = client;
        },
        () => {
          this.#connecting[lane] = undefined;
        },
      );
    }
    return pending;
  }

  /** Forgets a client (it ended, or was dropped): its lane connects afresh on next use. */
  forget(client: C): void {
    const lane = this.#clients.indexOf(client);
    if (lane >= 0) this.#clients[lane] = undefined;
  }

  /** Waits for the connects under way (failures ignored), then lists the connected clients. */
  async connected(): Promise<C[]> {
    await Promise.all(this.#connecting.map((pending) => pending?.catch(() => undefined)));
    return this.#clients.filter((client): client is C => client !== undefined);
  }
}
