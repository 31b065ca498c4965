import { Connection, Queue, ReliableQueue, serializer } from '../../src/index.js';
import { partitionKeys } from '../../src/models/reliable-queue/layout.js';
import type { BenchServer } from '../server.js';
import { check } from '../types.js';

/**
 * What the queue workloads share: the job, its sizes, the model classes, the tally of the jobs
 * a consumer saw, and the checks of a queue left empty.
 *
 * @module
 */

/** Jobs pushed then consumed per run of the throughput workloads. */
export const JOBS = 20_000;
/** Jobs per `pushMany` / `addBulk` / variadic `push` call. */
export const CHUNK = 1_000;
/** Handlers (or consumers) at once. */
export const CONCURRENCY = 10;

/**
 * A run that has not seen every job after this many ms gives up (its check then fails): a lost
 * job must fail the benchmark, not hang it.
 */
export const GIVE_UP_MS = 120_000;

/** `stop.signal`, aborted also after {@link GIVE_UP_MS}: the signal of a worker. */
export function workerSignal(stop: AbortController): AbortSignal {
  return AbortSignal.any([stop.signal, AbortSignal.timeout(GIVE_UP_MS)]);
}

/** A small job, about 20 bytes as JSON. */
export interface Job {
  n: number;
  payload: string;
}

/** The jobs numbered 0 to `count` - 1. */
export function makeJobs(count: number): Job[] {
  return Array.from({ length: count }, (_, n) => ({ n, payload: 'x' }));
}

/** `items` in slices of {@link CHUNK}. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** What the queue workloads run on: the server, and the redisext Connection class they use. */
export interface QueueEnv {
  readonly server: BenchServer;
  readonly connection: typeof Connection;
}

/** A Connection class to `url` whose clients show as `name` in `CLIENT LIST`. */
export function connectionTo(url: string, name: string): typeof Connection {
  const dsn = new URL(url);
  dsn.searchParams.set('name', name);
  return class BenchQueueConnection extends Connection {
    static override MASTER = dsn.toString();
  };
}

/** The model classes of the queue workloads on `connection`, as an application declares them. */
export function queueModels(connection: typeof Connection) {
  class Jobs extends ReliableQueue<Job> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  class PlainJobs extends Queue<Job> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  return { Jobs, PlainJobs };
}

/** Which jobs a consumer saw: each at least once, and how many deliveries in all. */
export class Tally {
  readonly #seen: Uint8Array;
  /** Jobs seen at least once. */
  distinct = 0;
  /** Jobs handed over, repeats included. */
  deliveries = 0;

  constructor(readonly total: number) {
    this.#seen = new Uint8Array(total);
  }

  /** Records job `n`; true when every job has now been seen. */
  add(n: number): boolean {
    this.deliveries++;
    if (Number.isInteger(n) && n >= 0 && n < this.total && this.#seen[n] === 0) {
      this.#seen[n] = 1;
      this.distinct++;
    }
    return this.distinct === this.total;
  }

  /** Throws a WrongResult unless every job was seen (and, `once`, none twice). */
  check(label: string, once: boolean): void {
    check(
      this.distinct === this.total,
      () => `${label}: ${this.distinct} of ${this.total} jobs processed`,
    );
    check(
      !once || this.deliveries === this.total,
      () => `${label}: ${this.deliveries} deliveries of ${this.total} jobs`,
    );
  }
}

/**
 * Throws a WrongResult unless the ReliableQueue at `key` holds no message in any state: its
 * ready list, delayed, in-flight and dead sets, and payload, attempt and error hashes are gone
 * (what is left is the receipt counter and, for a few seconds, the wake-up flag and list).
 */
export async function checkDrained(server: BenchServer, key: string, label: string): Promise<void> {
  const [ready, delayed, inflight, data, attempts, errors, dead] = partitionKeys(key, 0).all;
  const keys = [ready, delayed, inflight, data, attempts, errors, dead];
  const left = Number(await server.inspector.sendCommand(['EXISTS', ...keys]));
  check(left === 0, () => `${label}: ${left} of the queue's structures are not empty`);
}
