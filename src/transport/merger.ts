import type { Command, RedisArg } from '../core/command.js';
import { MAX_MERGED, SCRIPTS, mergedCall } from '../core/merged-script.js';
import type { Script } from '../core/script.js';
import { groupCalls, spread } from '../core/grouped-calls.js';

/**
 * What a {@link Merger} needs of its endpoint, for one lane (`C`: its client type).
 *
 * @internal
 */
export interface MergePort<C> {
  /** The lane's client now, or its connect when it has none. */
  client(): C | Promise<C>;
  /** Sends one command as it is (a lone call: nothing to merge). */
  one<R>(client: C, command: Command<R>): Promise<R>;
  /**
   * Sends a runner call (see core/merged-script.ts), or a group script's call; resolves to its
   * raw reply, and rejects with the error as the driver gave it (`fail` types it per call).
   */
  runner(client: C, args: RedisArg[], script: Script): Promise<unknown>;
  /** The result of one merged call from its element of the runner's reply (maybe an error). */
  settle<R>(client: C, command: Command<R>, reply: unknown): R | Promise<R>;
  /** The result of one merged call when the runner call as a whole failed. */
  fail<R>(client: C, command: Command<R>, error: unknown): Promise<R>;
}

/**
 * From this many calls held at the end of a tick, the first half is sent then and the second
 * one event-loop turn later (`setImmediate`). Callers that resume together (100 in flight, whose
 * replies came in one runner reply) would otherwise stay in step: the server idle while Node
 * turns 100 replies into 100 new calls, and Node idle while the server runs them. Two halves
 * sent apart come back apart, so Node works on one while the server runs the other. Measured
 * (`npm run bench -- --only=lock-100,sem-100 --sample-ms=1500`, 2 runs each way): Lock pairs
 * 1.38–1.44× → 1.88–1.89× redis-semaphore, Semaphore pairs 1.23–1.27× → 1.40–1.57×.
 */
const OVERLAP = 32;

/**
 * A script call held until the flush, with its caller's promise. A class, not an object
 * literal: it lives while the call is in flight, and V8 may pretenure such literals (see `Call`
 * in core/command.ts).
 */
class Held {
  constructor(
    readonly command: Command,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/**
 * Merges the script calls issued for one shared connection in the same tick into one runner
 * call (core/merged-script.ts); from `OVERLAP` (32) calls on, into two, sent one event-loop
 * turn apart. A script call is held until the end of the tick
 * (`process.nextTick`, after the promise reactions of the tick: the callers that resume
 * together merge together); any other command for the connection sends the held calls first
 * ({@link flush}), so the connection still sees every command in the order it was issued.
 *
 * @internal
 */
export class Merger<C> {
  #held: Held[] = [];
  /** The distinct scripts held (a runner call holds fewer than `SCRIPTS`). */
  #scripts: Script[] = [];
  #scheduled = false;
  readonly #flushLater = (): void => {
    this.#scheduled = false;
    const held = this.#held;
    if (held.length < OVERLAP) {
      this.flush();
      return;
    }
    // Many calls at once: half now, half one event-loop turn later (see OVERLAP).
    const later = held.splice(Math.ceil(held.length / 2));
    this.flush();
    this.#held = later;
    this.#scripts = [...new Set(later.map((waiting) => waiting.command.script!))];
    this.#scheduled = true;
    setImmediate(this.#flushNext);
  };
  readonly #flushNext = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  constructor(private readonly port: MergePort<C>) {}

  /** Holds a script call (`command.script` set, a fixed key count) until the end of the tick. */
  add<R>(command: Command<R>): Promise<R> {
    const script = command.script!;
    if (!this.#scripts.includes(script)) {
      if (this.#scripts.length === SCRIPTS - 1) this.flush();
      this.#scripts.push(script);
    }
    return new Promise<R>((resolve, reject) => {
      this.#held.push(new Held(command, resolve as (value: unknown) => void, reject));
      if (this.#held.length >= MAX_MERGED) this.flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#flushLater);
      }
    });
  }

  /** Sends the calls held, if any: alone as they are, or several as one runner call. */
  flush(): void {
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    this.#scripts = [];
    const client = this.port.client();
    if (client instanceof Promise) {
      client.then(
        (ready) => this.#send(ready, held),
        (error: unknown) => {
          for (const waiting of held) waiting.reject(error);
        },
      );
    } else {
      this.#send(client, held);
    }
  }

  #send(client: C, held: Held[]): void {
    const port = this.port;
    if (held.length === 1) {
      const [only] = held;
      port.one(client, only.command).then(only.resolve, only.reject);
      return;
    }
    const units = groupCalls(held.map((waiting) => waiting.command));
    // One unit: the calls make one group, whose reply lists theirs; else a runner call.
    const lone = units.length === 1 ? units[0].command : undefined;
    const { script, args } =
      lone === undefined
        ? mergedCall(units.map((unit) => unit.command))
        : { script: lone.script!, args: lone.args };
    port.runner(client, args, script).then(
      (reply) => {
        const replies = spread(units, lone === undefined ? reply : [reply], held.length);
        held.forEach((waiting, i) => {
          const own = replies[i];
          try {
            waiting.resolve(
              own !== undefined
                ? port.settle(client, waiting.command, own)
                : port.fail(client, waiting.command, new Error('the merged call has no reply')),
            );
          } catch (error) {
            waiting.reject(error);
          }
        });
      },
      (error: unknown) => {
        for (const waiting of held) {
          port.fail(client, waiting.command, error).then(waiting.resolve, waiting.reject);
        }
      },
    );
  }
}

/**
 * The mergers of an endpoint's lanes, each made on first use with its lane's port.
 *
 * @internal
 */
export class LaneMergers<C> {
  readonly #mergers: Array<Merger<C> | undefined>;

  constructor(
    count: number,
    private readonly portOf: (lane: number) => MergePort<C>,
  ) {
    this.#mergers = new Array<Merger<C> | undefined>(count).fill(undefined);
  }

  /** Whether a command waits to be merged: a call of one of our scripts (not a runner). */
  static merges(command: Command): boolean {
    // A runner has no fixed key count: it is never merged again. Nor is a call whose reply
    // needs other reply options (maps as Maps, bulk strings as Buffers) than the runner's.
    const script = command.script;
    return (
      script !== undefined && script.keys >= 0 && command.maps !== true && command.binary !== true
    );
  }

  /** Holds a script call on `lane` until the end of the tick (see {@link Merger}). */
  add<R>(lane: number, command: Command<R>): Promise<R> {
    return (this.#mergers[lane] ??= new Merger(this.portOf(lane))).add(command);
  }

  /** Sends the calls held on `lane` (before any other command for it). */
  flush(lane: number): void {
    this.#mergers[lane]?.flush();
  }

  /** Sends the calls held on every lane (before a batch or a close). */
  flushAll(): void {
    for (const merger of this.#mergers) merger?.flush();
  }
}
