/** The shapes shared by the benchmark modules. */

/** The JSON document of the SET+GET workload (about 200 bytes as JSON). */
export interface Doc {
  id: number;
  name: string;
  email: string;
  roles: string[];
  active: boolean;
  score: number;
  created: string;
  address: { city: string; zip: string };
}

/** A queue item (a small job). */
export interface Item {
  id: number;
  kind: string;
}

/** One operation of the pipelined batch. */
export type BatchOp =
  | { readonly kind: 'incr'; readonly key: string }
  | { readonly kind: 'set'; readonly key: string; readonly value: Item };

/** A document numbered `id`. */
export function makeDoc(id: number): Doc {
  return {
    id,
    name: 'Ada Lovelace',
    email: 'ada.lovelace@example.com',
    roles: ['admin', 'editor'],
    active: true,
    score: 97.5,
    created: '2024-05-01T12:00:00.000Z',
    address: { city: 'London', zip: 'SW1Y 4JH' },
  };
}

/** The contenders, by id. */
export type ContenderId =
  | 'redisext'
  | 'redisext-lanes2'
  | 'node-redis'
  | 'node-redis-t0'
  | 'ioredis'
  | 'ioredis-auto'
  | 'redisext-noreuse';

/**
 * One way of talking to Redis: the same primitive operations, each done the way that library's
 * users would write it. Key names are given without the `bench:` prefix every contender adds.
 */
export interface Contender {
  readonly id: ContenderId;
  /** Shown in the table. */
  readonly label: string;
  /** How its clients show in `CLIENT LIST` (name=...). */
  readonly clientName: string;
  open(url: string): Promise<void>;
  close(): Promise<void>;
  /** INCRBY key 1: the new value. */
  incr(key: string): Promise<number>;
  /** SET of the document as JSON. */
  setDoc(key: string, doc: Doc): Promise<unknown>;
  /** GET, parsed. */
  getDoc(key: string): Promise<Doc | null>;
  /** LPUSH of the item as JSON: the new length. */
  push(key: string, item: Item): Promise<number>;
  /** RPOP, parsed. */
  pop(key: string): Promise<Item | null>;
  /** SADD of one member: true when added. */
  sadd(key: string, member: string): Promise<boolean>;
  /** SISMEMBER. */
  sismember(key: string, member: string): Promise<boolean>;
  /** The operations as one pipeline: INCRBY results as numbers, SET results truthy. */
  batch(ops: readonly BatchOp[]): Promise<unknown[]>;
  /** A lock on `key` acquired then released (one attempt); absent when it has no lock. */
  lockPair?(key: string): Promise<void>;
  /** What the lock is: shown in the lock workload's table. */
  readonly lockLabel?: string;
}

/** A failed correctness check: the benchmark aborts. */
export class WrongResult extends Error {}

/** Throws a WrongResult unless `ok`. */
export function check(ok: boolean, message: () => string): void {
  if (!ok) throw new WrongResult(message());
}
