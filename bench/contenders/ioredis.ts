import { Redis } from 'ioredis';
import { Mutex } from 'redis-semaphore';
import type { BatchOp, Contender, ContenderId, Doc, Item } from '../types.js';
import { check } from '../types.js';

/**
 * ioredis with its defaults (auto-pipelining off) or `enableAutoPipelining: true`; its lock is
 * redis-semaphore's Mutex (built for ioredis) with its defaults.
 */
export class IoRedis implements Contender {
  readonly id: ContenderId;
  readonly label: string;
  readonly clientName: string;
  readonly lockLabel: string;
  #client: Redis | undefined;

  constructor(private readonly autoPipelining: boolean) {
    this.id = autoPipelining ? 'ioredis-auto' : 'ioredis';
    this.label = autoPipelining ? 'ioredis, auto-pipelining' : 'ioredis (defaults)';
    this.lockLabel = `redis-semaphore Mutex on ${this.label}`;
    this.clientName = `bench-${this.id}`;
  }

  get client(): Redis {
    if (!this.#client) throw new Error(`${this.label} is not open`);
    return this.#client;
  }

  async open(url: string): Promise<void> {
    const client = new Redis(url, {
      connectionName: this.clientName,
      enableAutoPipelining: this.autoPipelining,
      lazyConnect: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    this.#client = client;
  }

  async close(): Promise<void> {
    await this.#client?.quit();
    this.#client = undefined;
  }

  incr(key: string): Promise<number> {
    return this.client.incrby(`bench:${key}`, 1);
  }

  setDoc(key: string, doc: Doc): Promise<unknown> {
    return this.client.set(`bench:${key}`, JSON.stringify(doc));
  }

  async getDoc(key: string): Promise<Doc | null> {
    const raw = await this.client.get(`bench:${key}`);
    return raw === null ? null : (JSON.parse(raw) as Doc);
  }

  push(key: string, item: Item): Promise<number> {
    return this.client.lpush(`bench:${key}`, JSON.stringify(item));
  }

  async pop(key: string): Promise<Item | null> {
    const raw = await this.client.rpop(`bench:${key}`);
    return raw === null ? null : (JSON.parse(raw) as Item);
  }

  async sadd(key: string, member: string): Promise<boolean> {
    return (await this.client.sadd(`bench:${key}`, member)) === 1;
  }

  async sismember(key: string, member: string): Promise<boolean> {
    return (await this.client.sismember(`bench:${key}`, member)) === 1;
  }

  async batch(ops: readonly BatchOp[]): Promise<unknown[]> {
    const pipeline = this.client.pipeline();
    for (const op of ops) {
      if (op.kind === 'incr') pipeline.incrby(`bench:${op.key}`, 1);
      else pipeline.set(`bench:${op.key}`, JSON.stringify(op.value));
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }

  async lockPair(key: string): Promise<void> {
    const mutex = new Mutex(this.client, `bench:${key}`);
    await mutex.acquire(); // throws when not acquired
    check(mutex.isAcquired, () => `${this.lockLabel}: not acquired`);
    await mutex.release();
  }
}
