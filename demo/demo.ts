/**
 * The main job: a short worker demo. Uses REDIS_URL when set, otherwise spawns a throwaway
 * redis-server on a free loopback port and stops it at the end.
 *
 *   npm run demo
 */
import { Connection, Counter, Map, model, serializer } from '../src/index.js';
import { runWorker, seedJobs } from '../examples/worker-batching.js';
import { sendEmails } from '../examples/reliable-emails.js';
import { burst, jobs } from '../examples/limits-and-slots.js';
import { startServer, type RedisServer } from '../tools/redis-server.js';

interface Report {
  worker: string;
  processed: number;
  at: string;
}

async function main(): Promise<void> {
  let server: RedisServer | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    server = await startServer();
    url = server.url;
    console.log(`spawned a throwaway redis-server on ${url}`);
  } else {
    console.log(`using REDIS_URL (${Connection.forDsn(url).describe()})`);
  }

  class Main extends Connection {
    static override MASTER = url!;
  }
  class Visitors extends Counter {
    static override CONNECTION = Main;
    static override SERIALIZER = serializer.Numeric;
    static override PREFIX = 'demo';
  }
  class SiteVisitors extends Visitors {
    static override KEY = 'site';
  }
  @model({ connection: Main, serializer: serializer.JSON, prefix: 'demo' })
  class LastReport extends Map<Report> {}

  try {
    const site = new SiteVisitors();
    await site.delete();
    const hits = await Promise.all(Array.from({ length: 100 }, () => site.incr()));
    console.log(`100 concurrent increments -> counter at ${Math.max(...hits)}`);
    console.log(`new Visitors('site').get() -> ${await new Visitors('site').get()}`);

    const report = new LastReport('worker-1');
    await report.set(
      { worker: 'worker-1', processed: 100, at: new Date().toISOString() },
      { ttl: 60_000 },
    );
    const stored = await report.get();
    console.log(`report stored under "${report.key}" for ${await report.ttl()} s:`, stored);

    // The worker pattern: pop jobs in batches, record each batch in one pipeline.
    const namespace = `demo:worker:${Date.now()}`;
    await seedJobs(Main, namespace, 300);
    const started = Date.now();
    const done = await runWorker(Main, { namespace, batchSize: 50, idleMs: 100 });
    console.log(
      `worker: ${done.processed} jobs (${done.followUps} follow-ups) in ${done.batches} batches, ` +
        `one BLMPOP and one pipeline each, ${Date.now() - started} ms; per type:`,
      done.perType,
    );

    // At-least-once delivery: a ReliableQueue worker; the failing email ends in the dead letters.
    const emails = await sendEmails(Main, `demo:emails:${Date.now()}`, 20);
    console.log(
      `reliable queue: ${emails.sent} emails sent, ${emails.failures} failed deliveries, ` +
        'dead letters:',
      emails.dead,
    );

    // A rate limit (5 a second and 20 a minute, together) and two slots shared by six jobs.
    const limited = await burst(Main, `demo:user:${Date.now()}`);
    console.log(
      `rate limit: ${limited.allowed} of 8 let through, ${limited.denied} told to retry after ` +
        `${limited.retryAfter} ms; wait() got the next one after ${limited.waitedMs} ms`,
    );
    const shared = await jobs(Main, `demo:gpu:${Date.now()}`, 6);
    console.log(
      `semaphore: 6 jobs on 2 slots, at most ${shared.peak} at once, in the order ` +
        `${shared.order.join(', ')}, fences ${shared.fences.join(', ')}`,
    );
  } finally {
    await Main.close();
    await Connection.closeDsnConnections();
    await server?.stop();
  }
  console.log('done');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
