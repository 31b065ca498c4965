/**
 * A small program using Lock and Cache, written to be bundled: spec/bundle/bundle.spec.ts bundles
 * it with esbuild (everything but Node's built-ins, node-redis and class-transformer included)
 * into a directory outside the repository and runs it there, against a fresh server. It proves
 * that redisext reads no file at run time: its Lua scripts travel inside the bundle.
 *
 * It talks to the server REDIS_URL names (required: it never guesses one), prints one line of
 * JSON (a {@link BundleAppResult}) and exits 0; on an error it prints it and exits 1.
 *
 *   npm run build:test && REDIS_URL=redis://127.0.0.1:6379 node build/examples/bundle-app.js
 *
 * No top-level await, so that the same source also bundles to CommonJS.
 */
import { Cache, Connection, Lock, serializer } from '../src/index.js';

/** A cached value. */
export interface Answer {
  n: number;
  by: string;
}

/** What the program prints. */
export interface BundleAppResult {
  lock: {
    /** The first acquire() succeeded. */
    acquired: boolean;
    /** Its fencing token (1 on a fresh server). */
    fence: number | null;
    /** A second handle on the same lock could not take it meanwhile. */
    contended: boolean;
    /** release() of the first handle succeeded. */
    released: boolean;
    /** The fencing token seen inside using() afterwards (2 on a fresh server). */
    usingFence: number;
    /** Whether anyone still holds the lock at the end. */
    lockedAfter: boolean;
  };
  cache: {
    /** What three concurrent getOrSet() calls returned. */
    concurrent: Answer[];
    /** What a later getOrSet() returned. */
    later: Answer;
    /** How many times the compute callback ran (1: once across all calls). */
    computed: number;
    /** set() stored the entry. */
    stored: boolean;
    /** What get() read back. */
    got: Answer | null;
    /** get() of an entry never set. */
    missing: Answer | null;
  };
}

/** Runs the program against the server at `url`, under the key prefix `prefix`. */
async function runBundleApp(url: string, prefix = 'bundle-app'): Promise<BundleAppResult> {
  class Main extends Connection {
    static override MASTER = url;
  }
  class JobLock extends Lock {
    static override CONNECTION = Main;
    static override PREFIX = `${prefix}:lock`;
  }
  class Answers extends Cache<Answer> {
    static override CONNECTION = Main;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = prefix;
    static override KEY = 'answers';
  }

  try {
    const first = new JobLock('nightly');
    const acquired = await first.acquire({ ttl: 10_000 });
    const fence = first.fence;
    const contended = !(await new JobLock('nightly').acquire({ ttl: 10_000 }));
    const released = await first.release();
    const usingFence = await new JobLock('nightly').using((_signal, f) => f, { ttl: 10_000 });
    const lockedAfter = await first.locked();

    const answers = new Answers();
    let computed = 0;
    const compute = async (): Promise<Answer> => {
      computed += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { n: 42, by: 'compute' };
    };
    const concurrent = await Promise.all([
      answers.getOrSet('deep-thought', compute, { ttl: 60_000 }),
      answers.getOrSet('deep-thought', compute, { ttl: 60_000 }),
      answers.getOrSet('deep-thought', compute, { ttl: 60_000 }),
    ]);
    const later = await answers.getOrSet('deep-thought', compute, { ttl: 60_000 });
    const stored = await answers.set('set-by-hand', { n: 7, by: 'set' }, { ttl: 60_000 });
    const got = await answers.get('set-by-hand');
    const missing = await answers.get('never-set');

    return {
      lock: { acquired, fence, contended, released, usingFence, lockedAfter },
      cache: { concurrent, later, computed, stored, got, missing },
    };
  } finally {
    await Main.close();
  }
}

const url = process.env.REDIS_URL;
if (!url) {
  console.error('bundle-app: set REDIS_URL to the server to use, e.g. redis://127.0.0.1:6379');
  process.exitCode = 2;
} else {
  runBundleApp(url).then(
    (result) => console.log(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
