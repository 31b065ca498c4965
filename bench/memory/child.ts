/**
 * The memory workloads, run in a child process started with `--expose-gc` (see ./index.ts):
 * node --expose-gc build/bench/memory/child.js <redis url> <instances> <operations>
 * Prints one line `RESULT {json}` (a MemoryResult).
 */
import { performance } from 'node:perf_hooks';
import { Connection, Counter, Lock, Map, Pool, Queue, serializer } from '../../src/index.js';
import { drive } from '../driver.js';
import { benchServer, type BenchServer } from '../server.js';
import { check, makeDoc, type Doc, type Item } from '../types.js';
import type { MemoryResult } from './types.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap in use after full collections. */
function settledHeap(): number {
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

function connectionTo(url: string, name: string): typeof Connection {
  const dsn = new URL(url);
  dsn.searchParams.set('name', name);
  return class extends Connection {
    static override MASTER = dsn.toString();
  };
}

/** A million model handles: heap per handle, and no connection opened. */
async function instances(server: BenchServer, count: number): Promise<MemoryResult['instances']> {
  const name = 'bench-memory-handles';
  class Users extends Map<Doc> {
    static override CONNECTION = connectionTo(server.url, name);
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  // Key strings alone, made as the constructor makes them (`${PREFIX}:${name}`).
  const prefix = 'bench';
  let before = settledHeap();
  const keys: string[] = new Array(count);
  for (let i = 0; i < count; i++) keys[i] = `${prefix}:${`user:${i}`}`;
  const bytesPerKey = (settledHeap() - before) / count;
  keys.length = 0;

  before = settledHeap();
  const start = performance.now();
  const handles: Users[] = new Array(count);
  for (let i = 0; i < count; i++) handles[i] = new Users(`user:${i}`);
  const ms = performance.now() - start;
  const bytesPerInstance = (settledHeap() - before) / count;
  check(handles[count - 1].key === `bench:user:${count - 1}`, () => 'wrong key');
  const connectionsOpened = await server.clientsNamed(name);
  handles.length = 0;
  return { count, bytesPerInstance, bytesPerKey, connectionsOpened, ms };
}

/** A million operations of every kind through one Connection class, with one blocking consumer. */
async function operations(server: BenchServer, count: number): Promise<MemoryResult['operations']> {
  const name = 'bench-memory-ops';
  const Main = connectionTo(server.url, name);
  class Hits extends Counter {
    static override CONNECTION = Main;
    static override PREFIX = 'bench';
  }
  class Docs extends Map<Doc> {
    static override CONNECTION = Main;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  class Jobs extends Queue<Item> {
    static override CONNECTION = Main;
    static override PREFIX = 'bench';
    static override SERIALIZER = serializer.JSON;
  }
  class Tags extends Pool<string> {
    static override CONNECTION = Main;
    static override PREFIX = 'bench';
  }
  class Mutexes extends Lock {
    static override CONNECTION = Main;
    static override PREFIX = 'bench';
  }

  let incrs = 0;
  const op = async (i: number, worker: number): Promise<void> => {
    switch (i % 8) {
      case 0:
        incrs++;
        await new Hits('mem-hits').incr();
        return;
      case 1:
        await new Docs(`mem-doc:${worker}`).set(makeDoc(i));
        return;
      case 2:
        await new Docs(`mem-doc:${worker}`).get();
        return;
      case 3:
        await new Jobs('mem-jobs').push({ id: i, kind: 'mail' });
        return;
      case 4:
        await new Tags('mem-tags').push(`m${i % 1000}`);
        return;
      case 5:
        await new Tags('mem-tags').contains(`m${i % 1000}`);
        return;
      case 6: {
        const lock = new Mutexes(`mem-lock:${worker}`);
        check(await lock.acquire(), () => 'lock not acquired');
        check(await lock.release(), () => 'lock not released');
        return;
      }
      default:
        await Main.pipeline((p) => [
          new Hits('mem-batch').in(p).incr(),
          new Docs(`mem-doc:${worker}`).in(p).get(),
        ]);
    }
  };

  // One active blocking consumer, on its own connection.
  const stop = new AbortController();
  let consumed = 0;
  const consumer = (async () => {
    for await (const job of new Jobs('mem-jobs').consume({ signal: stop.signal })) {
      check(job.kind === 'mail', () => 'bad job');
      consumed++;
    }
  })();

  // Warm-up (JIT, connection, scripts), then the measured run.
  await drive((i, w) => op(i, w), 100, 1000);
  let pushed = 0;
  let maxConnections = 0;
  const before = settledHeap();
  incrs = 0;
  const hitsBefore = Number(await server.inspector.sendCommand(['GET', 'bench:mem-hits']));
  const start = performance.now();
  let done = 0;
  const every = Math.max(1, Math.floor(count / 10));
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let next = 0;
    const launch = (): void => {
      while (running < 100 && next < count) {
        const i = next++;
        if (i % 8 === 3) pushed++;
        running++;
        op(i, i % 100).then(() => {
          running--;
          done++;
          if (done % every === 0) {
            server
              .clientsNamed(name)
              .then((n) => (maxConnections = Math.max(maxConnections, n)), reject);
          }
          if (done === count) resolve();
          else launch();
        }, reject);
      }
    };
    launch();
  });
  const ms = performance.now() - start;
  const connectionsAtEnd = await server.clientsNamed(name);
  maxConnections = Math.max(maxConnections, connectionsAtEnd);
  const hits = Number(await server.inspector.sendCommand(['GET', 'bench:mem-hits']));
  check(hits - hitsBefore === incrs, () => `counter grew by ${hits - hitsBefore}, not ${incrs}`);
  const heapGrowthBytes = settledHeap() - before;

  // Drain the queue, then stop the consumer. One consumer pops one job per round trip, slower
  // than 100 callers push: the backlog grows with the run's speed, so what is checked is that
  // the consumer keeps making progress (the queue shrinks at least every 5 s).
  let left = Infinity;
  let progressAt = Date.now();
  for (;;) {
    const length = Number(await server.inspector.sendCommand(['LLEN', 'bench:mem-jobs']));
    if (length === 0) break;
    if (length < left) [left, progressAt] = [length, Date.now()];
    check(Date.now() - progressAt < 5_000, () => 'the consumer stopped draining the queue');
    await new Promise((r) => setTimeout(r, 10));
  }
  stop.abort();
  await consumer;
  check(consumed >= pushed, () => `consumed ${consumed} of at least ${pushed} jobs`);
  await Main.close();
  return {
    count,
    opsPerSec: (count / ms) * 1000,
    heapGrowthBytes,
    maxConnections,
    connectionsAtEnd,
    allowedConnections: 2,
    consumers: 1,
  };
}

async function main(): Promise<void> {
  const [url, instanceCount, operationCount] = process.argv.slice(2);
  const server = await benchServer(url);
  try {
    const result: MemoryResult = {
      instances: await instances(server, Number(instanceCount)),
      operations: await operations(server, Number(operationCount)),
    };
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    await server.clean();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
