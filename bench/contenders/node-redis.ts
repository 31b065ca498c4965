import { createClient } from 'redis';
import type { BatchOp, Contender, ContenderId, Doc, Item } from '../types.js';

/** A node-redis client with its defaults but, optionally, the per-command timeout. */
function newClient(url: string, name: string, timeout: 'default' | 0) {
  return createClient({
    url,
    name,
    // undefined keeps node-redis' default (5 s per command)
    commandOptions: timeout === 0 ? { timeout: 0 } : undefined,
  });
}

type Client = ReturnType<typeof newClient>;

/**
 * Raw node-redis: typed command methods, JSON by hand. `commandTimeout: 'default'` keeps
 * node-redis' own 5 s per-command timeout (an `AbortSignal.timeout` per command); `0` turns it
 * off, as redisext does.
 */
export class NodeRedis implements Contender {
  readonly id: ContenderId;
  readonly label: string;
  readonly clientName: string;
  #client: Client | undefined;

  constructor(private readonly timeout: 'default' | 0) {
    this.id = timeout === 0 ? 'node-redis-t0' : 'node-redis';
    this.label = timeout === 0 ? 'node-redis, timeout: 0' : 'node-redis (defaults)';
    this.clientName = `bench-${this.id}`;
  }

  get client(): Client {
    if (!this.#client) throw new Error(`${this.label} is not open`);
    return this.#client;
  }

  async open(url: string): Promise<void> {
    const client = newClient(url, this.clientName, this.timeout);
    client.on('error', () => undefined);
    await client.connect();
    this.#client = client;
  }

  async close(): Promise<void> {
    await this.#client?.close();
    this.#client = undefined;
  }

  incr(key: string): Promise<number> {
    return this.client.incrBy(`bench:${key}`, 1);
  }

  setDoc(key: string, doc: Doc): Promise<unknown> {
    return this.client.set(`bench:${key}`, JSON.stringify(doc));
  }

  async getDoc(key: string): Promise<Doc | null> {
    const raw = await this.client.get(`bench:${key}`);
    return raw === null ? null : (JSON.parse(raw) as Doc);
  }

  push(key: string, item: Item): Promise<number> {
    return this.client.lPush(`bench:${key}`, JSON.stringify(item));
  }

  async pop(key: string): Promise<Item | null> {
    const raw = await this.client.rPop(`bench:${key}`);
    return raw === null ? null : (JSON.parse(raw) as Item);
  }

  async sadd(key: string, member: string): Promise<boolean> {
    return (await this.client.sAdd(`bench:${key}`, member)) === 1;
  }

  async sismember(key: string, member: string): Promise<boolean> {
    return (await this.client.sIsMember(`bench:${key}`, member)) === 1;
  }

  batch(ops: readonly BatchOp[]): Promise<unknown[]> {
    const multi = this.client.multi();
    for (const op of ops) {
      if (op.kind === 'incr') multi.incrBy(`bench:${op.key}`, 1);
      else multi.set(`bench:${op.key}`, JSON.stringify(op.value));
    }
    return multi.execAsPipeline();
  }
}
