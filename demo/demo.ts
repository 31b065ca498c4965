/**
 * The main job: a short tour of redisext, a step at a time. Uses REDIS_URL when set (and then
 * deletes every key it made before it ends), otherwise spawns a throwaway redis-server on a free
 * loopback port and stops it at the end.
 *
 *   npm run demo
 */
import { Connection, Counter, Map, model, serializer } from '../src/index.js';
import { nodeRedisClient } from '../src/node-redis.js';
import { runWorker, seedJobs } from '../examples/worker-batching.js';
import { sendEmails } from '../examples/reliable-emails.js';
import { burst, jobs } from '../examples/limits-and-slots.js';
import { startServer, type RedisServer } from '../tools/redis-server.js';

interface Report {
  worker: string;
  processed: number;
  at: string;
}

const STEPS = 5;
let step = 0;

/** Prints the title of the next step. */
function next(title: string): void {
  step += 1;
  console.log(`\n[${step}/${STEPS}] ${title}`);
}

/**
 * Deletes the keys this run made on a server it did not start: every key naming `run` (the
 * models' keys and their `{key}:...` helper keys), found with SCAN, removed with UNLINK.
 */
async function cleanUp(main: typeof Connection, run: string): Promise<number> {
  const client = await nodeRedisClient(main);
  let removed = 0;
  for await (const keys of client.scanIterator({ MATCH: `*${run}*`, COUNT: 1000 })) {
    if (keys.length > 0) removed += Number(await client.unlink(keys));
  }
  return removed;
}

async function main(): Promise<void> {
  const started = Date.now();
  let server: RedisServer | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startServer();
    url = server.url;
    console.log(`spawned a throwaway redis-server on ${url}`);
  } else {
    console.log(`using REDIS_URL (${Connection.forDsn(url).describe()})`);
  }
  // Every key of this run names it, so a shared server can be cleaned up afterwards.
  const run = `demo-${Date.now().toString(36)}`;

  class Main extends Connection {
    static override MASTER = url!;
  }
  class Visitors extends Counter {
    static override CONNECTION = Main;
    static override SERIALIZER = serializer.Numeric;
    static override PREFIX = run;
  }
  class SiteVisitors extends Visitors {
    static override KEY = 'site';
  }
  @model({ connection: Main, serializer: serializer.JSON, prefix: run })
  class LastReport extends Map<Report> {}

  try {
    next('Counter and Map: a singleton counter, a JSON value with a ttl');
    const site = new SiteVisitors();
    const hits = await Promise.all(Array.from({ length: 100 }, () => site.incr()));
    console.log(`100 concurrent increments -> counter at ${Math.max(...hits)}`);
    console.log(`new Visitors('site').get() -> ${await new Visitors('site').get()}`);
    const report = new LastReport('worker-1');
    await report.set(
      { worker: 'worker-1', processed: 100, at: new Date().toISOString() },
      { ttl: 60_000 },
    );
    console.log(`stored under "${report.key}" for ${await report.ttl()} s:`, await report.get());

    next('Queue worker: batches of jobs (one BLMPOP each), each batch recorded in one pipeline');
    const namespace = `${run}:worker`;
    await seedJobs(Main, namespace, 300);
    const workerStarted = Date.now();
    const done = await runWorker(Main, { namespace, batchSize: 50, idleMs: 100 });
    console.log(
      `${done.processed} jobs (${done.followUps} follow-ups) in ${done.batches} batches, ` +
        `${Date.now() - workerStarted} ms; per type:`,
      done.perType,
    );

    next('ReliableQueue: at-least-once emails, retries with backoff, a dead letter');
    const emails = await sendEmails(Main, `${run}:emails`, 20);
    console.log(
      `${emails.sent} emails sent, ${emails.failures} failed deliveries, dead letters:`,
      emails.dead,
    );

    next('RateLimiter: 5 a second and 20 a minute, checked together');
    const limited = await burst(Main, `${run}:user`);
    console.log(
      `${limited.allowed} of 8 let through, ${limited.denied} told to retry after ` +
        `${limited.retryAfter} ms; wait() got the next one after ${limited.waitedMs} ms`,
    );

    next('Semaphore: six jobs share two slots, in arrival order');
    const shared = await jobs(Main, `${run}:gpu`, 6);
    console.log(
      `at most ${shared.peak} at once, in the order ${shared.order.join(', ')}, ` +
        `fences ${shared.fences.join(', ')}`,
    );
  } finally {
    if (!server) {
      const removed = await cleanUp(Main, run).catch(() => 0);
      console.log(`\ncleaned up: ${removed} keys of this run deleted from the server`);
    }
    await Main.close();
    await Connection.closeDsnConnections();
    await server?.stop();
  }
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s. Next steps:`);
  console.log('  npm test                          the whole suite against servers it spawns');
  console.log('  node build-demo/examples/<name>.js one example on its own (see examples/)');
  console.log('  docs/getting-started.md           models, connections, batches, errors');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
