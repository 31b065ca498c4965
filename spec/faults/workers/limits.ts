import { Connection, RateLimiter, type LimitOptions } from '../../../src/index.js';
import { worker } from './ipc.js';

/** One process hammering one shared limit. */
export interface LimitJob {
  readonly url: string;
  readonly key: string;
  readonly limits: LimitOptions[];
  /** How long to keep taking, ms (after the first take). */
  readonly ms: number;
  /** Takes in flight at once in this process. */
  readonly concurrency: number;
}

/**
 * One take run between two `TIME`s in one transaction (MULTI/EXEC: nothing else runs in
 * between), so the server time of the take is known to the microsecond.
 */
export interface Bracketed {
  /** Server time (µs) just before the take, and just after. */
  readonly before: number;
  readonly after: number;
  readonly allowed: boolean;
}

/** What one process saw. */
export interface LimitResult {
  /** Its first take and its last one (every other take of this process came in between). */
  readonly first: Bracketed;
  readonly last: Bracketed;
  /** Allowed and denied takes, the bracketed ones included. */
  readonly allowed: number;
  readonly denied: number;
}

interface State {
  readonly Main: typeof Connection;
  readonly limit: RateLimiter;
}

/** A `TIME` reply in µs. */
function micros(reply: unknown): number {
  const [seconds, us] = reply as [string, string];
  return Number(seconds) * 1e6 + Number(us);
}

worker<LimitJob, State, LimitResult>(
  async (job) => {
    class Main extends Connection {
      static override MASTER = job.url;
    }
    class Shared extends RateLimiter {
      static override CONNECTION = Main;
      static override LIMITS = job.limits;
      static override ON_ERROR = 'throw' as const;
    }
    const limit = new Shared(job.key);
    await limit.peek(); // connected and the script loaded before the start; writes nothing
    return { Main, limit };
  },
  async ({ Main, limit }, job) => {
    let allowed = 0;
    let denied = 0;
    const count = (ok: boolean): void => {
      if (ok) allowed += 1;
      else denied += 1;
    };
    const bracketed = async (): Promise<Bracketed> => {
      const [before, taken, after] = await Main.transaction((t) => [
        t.raw(['TIME']),
        limit.in(t).take(),
        t.raw(['TIME']),
      ]);
      count(taken.allowed);
      return { before: micros(before), after: micros(after), allowed: taken.allowed };
    };
    const first = await bracketed();
    const deadline = performance.now() + job.ms;
    const loop = async (): Promise<void> => {
      while (performance.now() < deadline) count((await limit.take()).allowed);
    };
    await Promise.all(Array.from({ length: job.concurrency }, loop));
    const last = await bracketed();
    await Main.close();
    return { first, last, allowed, denied };
  },
);
