import { type Batch, Connection, Counter } from '../../../src/index.js';
import { worker } from './ipc.js';

/** One process's share of the increments of one counter. */
export interface CounterJob {
  readonly url: string;
  readonly key: string;
  /** How many increments this process makes (direct, in pipelines and in transactions). */
  readonly increments: number;
  /** Operations in flight at once in this process. */
  readonly concurrency: number;
  /** Increments per pipeline or transaction. */
  readonly batch: number;
}

/** What the counter returned, per way of incrementing. */
export interface CounterResult {
  /** The values `incr()` returned directly. */
  readonly direct: number[];
  /** The values of each pipeline's increments. */
  readonly pipelines: number[][];
  /** The values of each transaction's increments (consecutive: nothing runs in between). */
  readonly transactions: number[][];
}

worker<CounterJob, { hits: Counter; Main: typeof Connection }, CounterResult>(
  async (job) => {
    class Main extends Connection {
      static override MASTER = job.url;
    }
    class Hits extends Counter {
      static override CONNECTION = Main;
    }
    const hits = new Hits(job.key);
    await hits.exists(); // connected before the start
    return { hits, Main };
  },
  async ({ hits, Main }, job) => {
    const result: CounterResult = { direct: [], pipelines: [], transactions: [] };
    let left = job.increments;
    let turn = 0;
    const loop = async (): Promise<void> => {
      while (left > 0) {
        const way = turn++ % 3;
        const n = way === 0 ? 1 : Math.min(job.batch, left);
        left -= n;
        if (way === 0) {
          result.direct.push(await hits.incr());
        } else {
          const build = (b: Batch) => Array.from({ length: n }, () => hits.in(b).incr());
          const values = way === 1 ? await Main.pipeline(build) : await Main.transaction(build);
          (way === 1 ? result.pipelines : result.transactions).push([...values]);
        }
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, loop));
    await Main.close();
    return result;
  },
);
