import { Connection, Counter, Lock, Map, Pool, Queue, serializer } from '../../src/index.js';
import type { BatchOp, Contender, ContenderId, Doc, Item } from '../types.js';
import { check } from '../types.js';

/** The model classes of one Connection class, as an application declares them. */
function modelsOf(connection: typeof Connection) {
  class Hits extends Counter {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
  }
  class Docs extends Map<Doc> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  class Jobs extends Queue<Item> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  class Tags extends Pool<string> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
  }
  class Mutexes extends Lock {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
  }
  class Items extends Map<Item> {
    static override CONNECTION = connection;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  return { Hits, Docs, Jobs, Tags, Mutexes, Items };
}

/**
 * redisext with its defaults (or `REUSE = false`): a model handle made per call, as application
 * code does (`new Hits('home').incr()`); handles are cheap and open nothing.
 */
export class Redisext implements Contender {
  readonly id: ContenderId;
  readonly label: string;
  readonly lockLabel: string;
  readonly clientName: string;
  readonly connection: typeof Connection;
  readonly models: ReturnType<typeof modelsOf>;

  /**
   * @param reuse - `REUSE` (one shared client per server; false: a connection per command).
   * @param lanes - the `lanes` connection option (shared clients per server, by key slot).
   */
  constructor(
    private readonly reuse = true,
    lanes = 1,
  ) {
    this.id = !reuse ? 'redisext-noreuse' : lanes > 1 ? 'redisext-lanes2' : 'redisext';
    this.label = !reuse
      ? 'redisext, REUSE = false'
      : lanes > 1
        ? `redisext, lanes: ${lanes}`
        : 'redisext (defaults)';
    this.lockLabel = lanes > 1 ? `redisext Lock, lanes: ${lanes}` : `redisext Lock`;
    this.clientName = `bench-${this.id}`;
    this.connection = class BenchConnection extends Connection {
      static override REUSE = reuse;
      static override OPTIONS = { lanes };
    };
    this.models = modelsOf(this.connection);
  }

  async open(url: string): Promise<void> {
    const dsn = new URL(url);
    dsn.searchParams.set('name', this.clientName);
    this.connection.MASTER = dsn.toString(); // read when the first command runs
    if (this.reuse) await this.connection.client(); // connect now, as the others do
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  incr(key: string): Promise<number> {
    return new this.models.Hits(key).incr();
  }

  setDoc(key: string, doc: Doc): Promise<unknown> {
    return new this.models.Docs(key).set(doc);
  }

  getDoc(key: string): Promise<Doc | null> {
    return new this.models.Docs(key).get();
  }

  push(key: string, item: Item): Promise<number> {
    return new this.models.Jobs(key).push(item);
  }

  pop(key: string): Promise<Item | null> {
    return new this.models.Jobs(key).pop();
  }

  sadd(key: string, member: string): Promise<boolean> {
    return new this.models.Tags(key).push(member);
  }

  sismember(key: string, member: string): Promise<boolean> {
    return new this.models.Tags(key).contains(member);
  }

  batch(ops: readonly BatchOp[]): Promise<unknown[]> {
    const { Hits, Items } = this.models;
    return this.connection.pipeline((p) =>
      ops.map((op) =>
        op.kind === 'incr' ? new Hits(op.key).in(p).incr() : new Items(op.key).in(p).set(op.value),
      ),
    );
  }

  async lockPair(key: string): Promise<void> {
    const lock = new this.models.Mutexes(key);
    check(await lock.acquire(), () => `${this.lockLabel}: not acquired`);
    check(await lock.release(), () => `${this.lockLabel}: not released`);
  }
}
