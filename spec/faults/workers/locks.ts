import { Connection, Lock, Map as RedisMap, serializer } from '../../../src/index.js';
import { now, worker } from './ipc.js';

/** One process taking one lock `acquisitions` times. */
export interface LockJob {
  readonly url: string;
  readonly key: string;
  /** A value read and rewritten (not atomically) while holding the lock: a lost update shows. */
  readonly sharedKey: string;
  readonly acquisitions: number;
  /** The lock's ttl, ms (well above a hold: no acquisition may expire). */
  readonly ttl: number;
  /** How long one acquisition may wait for the lock, ms. */
  readonly wait: number;
}

/**
 * One hold: its fencing token, and when it started (after the acquire returned) and ended
 * (before the release was sent), on the system-wide monotonic clock (ns, as decimal strings).
 */
export type Hold = [fence: number, start: string, end: string, how: 'using' | 'acquire'];

/** What one process held. */
export interface LockResult {
  readonly holds: Hold[];
}

interface State {
  readonly Main: typeof Connection;
  readonly lock: Lock;
  readonly shared: RedisMap<number>;
}

worker<LockJob, State, LockResult>(
  async (job) => {
    class Main extends Connection {
      static override MASTER = job.url;
    }
    class Jobs extends Lock {
      static override CONNECTION = Main;
    }
    class Shared extends RedisMap<number> {
      static override CONNECTION = Main;
      static override SERIALIZER = serializer.Numeric;
    }
    const lock = new Jobs(job.key);
    await lock.locked(); // connected before the start
    return { Main, lock, shared: new Shared(job.sharedKey) };
  },
  async ({ Main, lock, shared }, job) => {
    const holds: Hold[] = [];
    /** The critical section: a read-modify-write of the shared value, timed. */
    const hold = async (fence: number, how: Hold[3]): Promise<void> => {
      const start = now();
      const value = (await shared.get()) ?? 0;
      await shared.set(value + 1);
      holds.push([fence, start, now(), how]);
    };
    for (let i = 0; i < job.acquisitions; i++) {
      if (i % 2 === 0) {
        await lock.using(
          async (signal, fence) => {
            await hold(fence, 'using');
            if (signal.aborted) throw new Error(`lock lost during hold ${fence}: ${signal.reason}`);
          },
          { ttl: job.ttl, wait: job.wait },
        );
      } else {
        if (!(await lock.acquire({ ttl: job.ttl, wait: job.wait }))) {
          throw new Error(`not acquired within ${job.wait} ms`);
        }
        const fence = lock.fence;
        if (fence === null) throw new Error('acquired without a fence');
        await hold(fence, 'acquire');
        if (!(await lock.release()))
          throw new Error(`release of hold ${fence} found another owner`);
      }
    }
    await Main.close();
    return { holds };
  },
);
