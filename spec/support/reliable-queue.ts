import { ReliableQueue, serializer, type Connection } from '../../src/index.js';
import { partitionKeys } from '../../src/models/reliable-queue/layout.js';
import type { Target } from './targets.js';

/** What the ReliableQueue specs push. */
export interface Job {
  n: number;
}

type Statics = Partial<
  Pick<
    typeof ReliableQueue,
    'VISIBILITY' | 'ATTEMPTS' | 'BACKOFF' | 'PARTITIONS' | 'DURABLE' | 'DEAD_LETTER_LIMIT'
  >
>;

/** A ReliableQueue<Job> class on `connection` (JSON), with `statics`, named Jobs. */
export function jobsOn(connection: typeof Connection, statics: Statics = {}) {
  const Jobs = class extends ReliableQueue<Job> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override BACKOFF = { type: 'fixed' as const, delay: 0 };
  };
  Object.assign(Jobs, statics);
  Object.defineProperty(Jobs, 'name', { value: 'Jobs' });
  return Jobs;
}

/** The total length of the hashes and sets of every partition of `key` (0: nothing left). */
export async function leftovers(target: Target, key: string, partitions = 1): Promise<number> {
  let total = 0;
  for (let p = 0; p < partitions; p++) {
    const [ready, delayed, inflight, data, attempts, errors, dead] = partitionKeys(key, p).all;
    total += Number(await target.raw('LLEN', ready));
    for (const z of [delayed, inflight, dead]) total += Number(await target.raw('ZCARD', z));
    for (const h of [data, attempts, errors]) total += Number(await target.raw('HLEN', h));
  }
  return total;
}
