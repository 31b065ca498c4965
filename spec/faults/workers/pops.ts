import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, Counter, Pool, PriorityQueue, Queue, serializer } from '../../../src/index.js';
import { worker } from './ipc.js';

/** The model the items go through. */
export type PopKind = 'queue' | 'pool' | 'priority';

/** One process: it pushes its own items and pops (anyone's) until every producer is done. */
export interface PopJob {
  readonly url: string;
  readonly kind: PopKind;
  readonly key: string;
  /** A counter each producer increments once all its items are pushed. */
  readonly doneKey: string;
  /** How many processes produce (the pops end once all of them are done and the key is empty). */
  readonly producers: number;
  /** This process's index: its items are `index * perProcess + i`, i in [0, perProcess). */
  readonly index: number;
  readonly perProcess: number;
  /** Items per push command. */
  readonly chunk: number;
}

/** What one process popped, per pop loop, in the order each loop popped them. */
export interface PopResult {
  /**
   * `loops[0]`: `pop()`; `loops[1]`: `pop({ timeout })` (Queue, PriorityQueue) or `popMany()`
   * (Pool). Each loop pops one call after the other.
   */
  readonly loops: number[][];
}

/** The operations the worker uses, whatever the model. */
interface Target {
  push(items: number[], first: number): Promise<unknown>;
  pop(): Promise<number | null>;
  /** The second loop's pop: blocking (Queue, PriorityQueue) or several at once (Pool). */
  popMore(): Promise<number[]>;
}

function target(kind: PopKind, key: string, Main: typeof Connection): Target {
  if (kind === 'queue') {
    class Items extends Queue<number> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.JSON;
    }
    const queue = new Items(key);
    return {
      push: (items) => queue.push(...items),
      pop: () => queue.pop(),
      popMore: async () => {
        const item = await queue.pop({ timeout: 100 });
        return item === null ? [] : [item];
      },
    };
  }
  if (kind === 'priority') {
    class Items extends PriorityQueue<number> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.JSON;
    }
    const queue = new Items(key);
    return {
      // The priority is the item's rank within its producer: each producer's items come out in order.
      push: (items, first) => queue.pushMany(items.map((item, i) => [item, first + i] as const)),
      pop: () => queue.pop(),
      popMore: async () => {
        const item = await queue.pop({ timeout: 100 });
        return item === null ? [] : [item];
      },
    };
  }
  class Items extends Pool<number> {
    static override CONNECTION = Main;
    static override SERIALIZER = serializer.JSON;
  }
  const pool = new Items(key);
  return {
    push: (items) => pool.pushMany(items),
    pop: () => pool.pop(),
    popMore: () => pool.popMany(16),
  };
}

interface State {
  readonly Main: typeof Connection;
  readonly items: Target;
  readonly done: Counter;
}

worker<PopJob, State, PopResult>(
  async (job) => {
    class Main extends Connection {
      static override MASTER = job.url;
    }
    class Done extends Counter {
      static override CONNECTION = Main;
    }
    const done = new Done(job.doneKey);
    await done.exists(); // connected before the start
    return { Main, items: target(job.kind, job.key, Main), done };
  },
  async ({ Main, items, done }, job) => {
    const produce = async (): Promise<void> => {
      const base = job.index * job.perProcess;
      for (let first = 0; first < job.perProcess; first += job.chunk) {
        const count = Math.min(job.chunk, job.perProcess - first);
        const chunk = Array.from({ length: count }, (_, i) => base + first + i);
        await items.push(chunk, first);
      }
      await done.incr();
    };
    /** Pops until every producer is done and a pop then finds nothing. */
    const consume = async (pop: () => Promise<number[]>): Promise<number[]> => {
      const got: number[] = [];
      let finished = false;
      for (;;) {
        const popped = await pop();
        got.push(...popped);
        if (popped.length > 0) continue;
        if (finished) return got; // nothing left, and nothing more will come
        if (((await done.get()) ?? 0) >= job.producers) finished = true;
        else await sleep(1);
      }
    };
    const [, first, second] = await Promise.all([
      produce(),
      consume(async () => {
        const item = await items.pop();
        return item === null ? [] : [item];
      }),
      consume(() => items.popMore()),
    ]);
    await Main.close();
    return { loops: [first, second] };
  },
);
