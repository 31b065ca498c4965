import { createClient } from 'redis';
import { Connection, RedisMap, serializer } from '../../src/index.js';
import type { BenchServer } from '../server.js';
import { namedConnection } from '../named-connection.js';
import { makeDoc, type Doc } from '../types.js';

/**
 * The clients of the near-cache section (issue 15): a redisext Connection class of its own with
 * a JSON `Map` model with and without `NEAR_CACHE`, node-redis 6 with its own `clientSideCache`
 * (RESP3), and plain node-redis writers: the "other clients" whose writes invalidate both caches.
 *
 * @module
 */

/** Hot keys the reads go over. */
export const KEYS = 1_000;
/** Key prefix of the section (matches the suite's `*bench:*` clean-up pattern). */
export const PREFIX = 'bench:near';

/** The Redis key of hot key number `k` (what `new NearDocs(String(k))` addresses). */
export const keyOf = (k: number | string): string => `${PREFIX}:${k}`;

/** The document stored at hot key `k` (the suite's ~200-byte JSON document, `id` = `k`). */
export const docOf = (k: number): Doc => makeDoc(k);

type Plain = ReturnType<typeof plainClient>;

/** A plain node-redis client (no cache, no per-command timeout), named in `CLIENT LIST`. */
function plainClient(url: string, name: string) {
  return createClient({ url, name, commandOptions: { timeout: 0 } });
}

/** node-redis 6 with its client-side cache (RESP3, tracking on its own connection). */
function cachingClient(url: string) {
  return createClient({
    url,
    name: 'bench-near-node-redis-csc',
    RESP: 3,
    clientSideCache: { maxEntries: 10_000 },
    commandOptions: { timeout: 0 },
  });
}

type Caching = ReturnType<typeof cachingClient>;

/** What the near-cache workloads use. */
export interface NearEnv {
  readonly server: BenchServer;
  /** redisext's Connection of this section (its defaults; the near cache adds one connection). */
  readonly connection: typeof Connection;
  /** `Map<Doc>` with `serializer.JSON` and `NEAR_CACHE` (ours). */
  readonly NearDocs: ReturnType<typeof modelsOf>['NearDocs'];
  /** The same model without a near cache: every read a round trip. */
  readonly PlainDocs: ReturnType<typeof modelsOf>['PlainDocs'];
  /** A near-cached `Map<number>`: the key the invalidation-delay probe writes and polls. */
  readonly NearProbe: ReturnType<typeof modelsOf>['NearProbe'];
  /** node-redis with `clientSideCache` (RESP3). */
  readonly csc: Caching;
  /** The writer whose writes make the misses (a separate, plain client). */
  readonly writer: Plain;
  /** The writer of the background load of the delay probe. */
  readonly loader: Plain;
}

/** The model classes of the section, on `connection`. */
function modelsOf(connection: typeof Connection) {
  class NearDocs extends RedisMap<Doc> {
    static override CONNECTION = connection;
    static override PREFIX = PREFIX;
    static override SERIALIZER = serializer.JSON;
    static override NEAR_CACHE = { max: 10_000 };
  }
  class PlainDocs extends RedisMap<Doc> {
    static override CONNECTION = connection;
    static override PREFIX = PREFIX;
    static override SERIALIZER = serializer.JSON;
  }
  class NearProbe extends RedisMap<number> {
    static override CONNECTION = connection;
    static override PREFIX = PREFIX;
    static override SERIALIZER = serializer.JSON;
    static override NEAR_CACHE = { max: 16 };
  }
  return { NearDocs, PlainDocs, NearProbe };
}

/** Opens the section's clients (named `bench-near-*` in `CLIENT LIST`) and stores the keys. */
export async function openNearEnv(server: BenchServer): Promise<NearEnv> {
  const connection = await namedConnection(server.url, 'bench-near-redisext');
  const csc = cachingClient(server.url);
  const writer = plainClient(server.url, 'bench-near-writer');
  const loader = plainClient(server.url, 'bench-near-loader');
  for (const client of [csc, writer, loader]) {
    client.on('error', () => undefined);
    await client.connect();
  }
  const env: NearEnv = { server, connection, ...modelsOf(connection), csc, writer, loader };
  await storeKeys(env);
  return env;
}

/** Stores the document of every hot key (one MSET through the writer). */
export async function storeKeys(env: NearEnv): Promise<void> {
  const args: string[] = ['MSET'];
  for (let k = 0; k < KEYS; k++) args.push(keyOf(k), JSON.stringify(docOf(k)));
  await env.writer.sendCommand(args);
}

/** Closes what {@link openNearEnv} opened. */
export async function closeNearEnv(env: NearEnv): Promise<void> {
  await env.connection.close().catch(() => undefined);
  for (const client of [env.csc, env.writer, env.loader])
    await client.close().catch(() => undefined);
}

/** One way of reading a hot document: ours near-cached, ours uncached, node-redis cached. */
export interface Reader {
  readonly id: string;
  readonly label: string;
  /** Reads hot key `k` (`keyOf(k)`), parsed. */
  read(k: number): Promise<Doc | null>;
  /** Reads the probe key (a JSON number). */
  probe(): Promise<number | null>;
  /** Hits and misses so far, when it caches (this process's counters). */
  stats?(): { hits: number; misses: number };
  /** Entries held now, when it caches. */
  size?(): number;
  /** Empties its cache, when it has one. */
  clear?(): void;
}

/** The readers, ours (near-cached) first. */
export function readers(env: NearEnv): Reader[] {
  const { NearDocs, PlainDocs, NearProbe, csc } = env;
  const probeKey = keyOf('probe');
  const parse = <T>(raw: string | null): T | null => (raw === null ? null : (JSON.parse(raw) as T));
  return [
    {
      id: 'redisext-near',
      label: 'redisext Map, nearCache',
      read: (k) => new NearDocs(String(k)).get(),
      probe: () => new NearProbe('probe').get(),
      stats: () => NearDocs.nearCacheStats(),
      size: () => NearDocs.nearCacheStats().size,
      clear: () => {
        NearDocs.clearNearCache();
        NearProbe.clearNearCache();
      },
    },
    {
      id: 'redisext-plain',
      label: 'redisext Map, no near cache (round trip)',
      read: (k) => new PlainDocs(String(k)).get(),
      probe: () => new PlainDocs('probe').get() as unknown as Promise<number | null>,
    },
    {
      id: 'node-redis-csc',
      label: 'node-redis clientSideCache (RESP3)',
      // Only the typed command methods go through node-redis' cache (not sendCommand).
      read: async (k) => parse<Doc>((await csc.get(keyOf(k))) as string | null),
      probe: async () => parse<number>((await csc.get(probeKey)) as string | null),
      stats: () => {
        const s = csc.clientSideCache!.stats();
        return { hits: s.hitCount, misses: s.missCount };
      },
      size: () => csc.clientSideCache!.size(),
      clear: () => csc.clientSideCache!.clear(),
    },
  ];
}
