/**
 * Pool: the tags of a blog post as a Redis set (`push`/`contains`/`members`/`remove`: each tag
 * once, however often it is added), and a pool of free ports as numbers (`serializer.Numeric`)
 * that workers take out (`popMany`, `pop`), each port going to one worker only.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/pool.js
 */
import { Connection, Pool, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** What the tags and ports showed. */
export interface PoolReport {
  /** Tags added by the first `push`, and whether adding `redis` again added anything. */
  added: number;
  addedAgain: boolean;
  /** Whether the post has `redis`, then `java`. */
  has: boolean[];
  /** Whether removing `draft` removed a tag. */
  removed: boolean;
  /** The tags at the end, sorted (a set has no order). */
  tags: string[];
  /** The ports two workers took (sorted), and what a third one got from the empty pool. */
  taken: number[];
  leftOver: number | null;
}

/** The example's models on one Connection, under `prefix`. */
export function poolModels(connection: typeof Connection, prefix: string) {
  /** The tags of one post: the key `<prefix>:tags:<post>`, plain strings. */
  class Tags extends Pool {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:tags`;
  }
  /** Free ports, stored as decimal text and read back as numbers. */
  class FreePorts extends Pool<number> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.Numeric;
    static override PREFIX = `${prefix}:ports`;
  }
  return { Tags, FreePorts };
}

/** Tags a post and shares out ports under `prefix`. */
export async function tagsAndPorts(
  connection: typeof Connection,
  prefix: string,
): Promise<PoolReport> {
  const { Tags, FreePorts } = poolModels(connection, prefix);
  const tags = new Tags('post-1');
  const added = await tags.push('redis', 'typescript', 'draft');
  const addedAgain = await tags.push('redis'); // already there: false
  const has = await tags.containsMany(['redis', 'java']);
  const removed = await tags.remove('draft'); // published
  const members = (await tags.members()).sort();

  const ports = new FreePorts('workers');
  await ports.pushMany([8001, 8002, 8003]);
  // Two workers take ports at the same time: SPOP is atomic, no port goes to both.
  const [a, b] = await Promise.all([ports.popMany(2), ports.pop()]);
  const taken = [...a, ...(b === null ? [] : [b])].sort((x, y) => x - y);
  return { added, addedAgain, has, removed, tags: members, taken, leftOver: await ports.pop() };
}

runExample(import.meta.url, (main) => tagsAndPorts(main, `example:${Date.now()}`));
