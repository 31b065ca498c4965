import { spawn } from 'node:child_process';
import {
  Cache,
  Counter,
  Document,
  HashMap,
  Map as RMap,
  field,
  model,
  serializer,
  type Connection,
  type NearCacheOptions,
  type NearCacheStats,
  type Serializer,
} from '../../src/index.js';
import { uniq } from './helpers.js';

/**
 * A subclass of `Base` configured with `@model({ connection, serializer, nearCache })` (called
 * as a function, the legacy decorator path), named `name` (errors name the model).
 */
export function nearCached<C extends abstract new (...args: never[]) => unknown>(
  Base: C,
  connection: typeof Connection,
  nearCache: NearCacheOptions = {},
  ser?: Serializer<unknown>,
  name: string = Base.name,
): C {
  const Configured = class extends (Base as unknown as new (...args: unknown[]) => object) {};
  model({ connection, serializer: ser, nearCache })(Configured);
  Object.defineProperty(Configured, 'name', { value: name });
  return Configured as unknown as C;
}

/** What a model class of a near-cache case offers: its statics. */
interface NearStatics {
  nearCacheStats(): NearCacheStats;
  clearNearCache(): void;
}

/** The batch kinds a cached read must not use the near cache in. */
export type BatchKind = 'pipeline' | 'transaction';

/**
 * One near-cached read of a model, on one key: how to read it (direct, in a batch, from the
 * master), how to write version `n` (through the model, or as a raw command another client
 * sends) and what the read returns then.
 */
export interface Subject {
  /** The Redis key the value lives at. */
  readonly key: string;
  /** The name `make` was given (the model's key; the Cache's KEY), for another class on it. */
  readonly name: string;
  /** The near-cached read. */
  read(): Promise<unknown>;
  /** The same read in a batch of `kind` on the model's Connection. */
  readIn(kind: BatchKind): Promise<unknown>;
  /** The same read through `fromMaster()`. */
  readFromMaster(): Promise<unknown>;
  /** Writes version `n` through the model. */
  write(n: number): Promise<unknown>;
  /** A raw command (for node-redis or redis-cli) storing version `n` at `key`. */
  rawWrite(n: number): string[];
  /** What `read()` gives once version `n` is stored. */
  expected(n: number): unknown;
  /** What `read()` gives while the key is absent. */
  readonly absent: unknown;
  /** The model class's near-cache counters. */
  stats(): NearCacheStats;
  /** Empties the model class's near cache. */
  clear(): void;
}

/** A cached read to test: `make` builds a fresh model class (its own counters) on `key`. */
export interface ReadCase {
  readonly name: string;
  make(connection: typeof Connection, key?: string, options?: NearCacheOptions): Subject;
}

/** Statics of a model class, for a Subject. */
function statics(Cls: unknown): Pick<Subject, 'stats' | 'clear'> {
  const near = Cls as NearStatics;
  return { stats: () => near.nearCacheStats(), clear: () => near.clearNearCache() };
}

/** A JSON value of version n: an object with an array, so freezing can be checked deeply. */
const doc = (n: number) => ({ n, list: [n, { deep: n }] });

class Profile {
  @field(String) name!: string;
  @field(Number) n!: number;
  @field([String]) tags!: string[];
}
const profile = (n: number) => ({ name: `p${n}`, n, tags: [`t${n}`] });

/** A HashMap case: field `f` written; `read` one of the HashMap's cached reads. */
function hashCase(
  name: string,
  read: (h: HashMap<unknown>) => Promise<unknown>,
  expected: (n: number) => unknown,
  absent: unknown,
): ReadCase {
  return {
    name,
    make(connection, key = uniq('hash'), options) {
      const Cls = nearCached(HashMap<unknown>, connection, options, serializer.JSON, 'Fields');
      const h = new Cls(key);
      return {
        key,
        name: key,
        read: () => read(h),
        readIn: async (kind) =>
          (await connection[kind]((b) => [read(h.in(b) as never) as never]))[0],
        readFromMaster: () => read(h.fromMaster()),
        write: (n) => h.set('f', doc(n)),
        rawWrite: (n) => ['HSET', key, 'f', JSON.stringify(doc(n))],
        expected,
        absent,
        ...statics(Cls),
      };
    },
  };
}

/** Every near-cached read of issue 15. */
export const READ_CASES: ReadCase[] = [
  {
    name: 'Map.get',
    make(connection, key = uniq('map'), options) {
      const Cls = nearCached(RMap<unknown>, connection, options, serializer.JSON, 'Values');
      const m = new Cls(key);
      return {
        key,
        name: key,
        read: () => m.get(),
        readIn: async (kind) => (await connection[kind]((b) => [m.in(b).get()]))[0],
        readFromMaster: () => m.fromMaster().get(),
        write: (n) => m.set(doc(n)),
        rawWrite: (n) => ['SET', key, JSON.stringify(doc(n))],
        expected: doc,
        absent: null,
        ...statics(Cls),
      };
    },
  },
  {
    name: 'Counter.get',
    make(connection, key = uniq('counter'), options) {
      const Cls = nearCached(Counter, connection, options, undefined, 'Hits');
      const c = new Cls(key);
      return {
        key,
        name: key,
        read: () => c.get(),
        readIn: async (kind) => (await connection[kind]((b) => [c.in(b).get()]))[0],
        readFromMaster: () => c.fromMaster().get(),
        write: (n) => c.set(n),
        rawWrite: (n) => ['SET', key, String(n)],
        expected: (n) => n,
        absent: null,
        ...statics(Cls),
      };
    },
  },
  hashCase('HashMap.get', (h) => h.get('f'), doc, null),
  hashCase(
    'HashMap.getAll',
    (h) => h.getAll(),
    (n) => ({ f: doc(n) }),
    {},
  ),
  {
    name: 'Cache.get',
    make(connection, key = uniq('cache'), options) {
      const Base = class extends Cache<unknown> {
        static override KEY = key;
      };
      const Cls = nearCached(Base, connection, options, serializer.JSON, 'Sessions');
      const c = new Cls();
      const entry = `${c.key}:e`;
      return {
        key: entry,
        name: key,
        read: () => c.get('e'),
        readIn: async (kind) => (await connection[kind]((b) => [c.in(b).get('e')]))[0],
        readFromMaster: () => c.fromMaster().get('e'),
        write: (n) => c.set('e', doc(n)),
        rawWrite: (n) => ['SET', entry, JSON.stringify(doc(n))],
        expected: doc,
        absent: null,
        ...statics(Cls),
      };
    },
  },
  ...(['load', 'get'] as const).map((how): ReadCase => ({
    name: `Document.${how}`,
    make(connection, key = uniq('doc'), options) {
      const Base = class extends Document<Profile> {
        static override SCHEMA = Profile;
      };
      const Cls = nearCached(Base, connection, options, undefined, 'Profiles');
      const d = new Cls(key);
      const plain = (value: unknown) => (value === null ? null : { ...(value as object) });
      return {
        key,
        name: key,
        read: async () => (how === 'load' ? plain(await d.load()) : d.get('tags')),
        readIn: async (kind) =>
          (
            await connection[kind]((b) => [how === 'load' ? d.in(b).load() : d.in(b).get('tags')])
          )[0],
        readFromMaster: async () =>
          how === 'load' ? plain(await d.fromMaster().load()) : d.fromMaster().get('tags'),
        write: (n) => d.save(profile(n)),
        rawWrite: (n) => ['HSET', key, 'name', `p${n}`, 'n', String(n), 'tags', `["t${n}"]`],
        expected: (n) => (how === 'load' ? profile(n) : [`t${n}`]),
        absent: null,
        ...statics(Cls),
      };
    },
  })),
];

/** Runs `redis-cli -p port [-c] args...` (a separate process) and gives its output, trimmed. */
export function redisCli(port: number, cluster: boolean, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cli = spawn('redis-cli', [...(cluster ? ['-c'] : []), '-p', String(port), ...args]);
    let out = '';
    let err = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    cli.on('error', reject);
    cli.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`redis-cli exited ${code}: ${err}`)),
    );
  });
}
