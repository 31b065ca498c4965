/**
 * The benchmark suite (issue 6): `npm run bench` (or `node build/bench/run.js [options]`).
 * Spawns a throwaway redis-server (or uses BENCH_REDIS_URL), runs every workload for every
 * contender in the same run, alternating them, checks every result, prints the table of medians
 * and ratios with the targets, and writes bench/results/<timestamp>.json. See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readConfig, selected, usage, UsageError, wants, type BenchConfig } from './config.js';
import { IoRedis } from './contenders/ioredis.js';
import { NodeRedis } from './contenders/node-redis.js';
import { Redisext } from './contenders/redisext.js';
import { drive, driveSync } from './driver.js';
import { environment } from './environment.js';
import { runMemory, type MemoryResult } from './memory/index.js';
import { COORDINATION_LIST, runCoordination } from './coordination/index.js';
import { NEAR_LIST, runNearCache } from './near-cache/index.js';
import { QUEUE_WORKLOADS, RQ_MEMORY, runQueues, type QueueSection } from './queues/index.js';
import { render, save } from './report.js';
import { summarize, type BenchResults, type WorkloadResult } from './results.js';
import { benchServer, type BenchServer } from './server.js';
import { evaluate } from './targets.js';
import type { Contender, ContenderId } from './types.js';
import { MEMORY, WORKLOADS, type Context, type Workload } from './workloads/index.js';

const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** `global.gc`, present when node runs with `--expose-gc` (run.js re-runs itself so). */
const collect = (globalThis as { gc?: () => void }).gc;

function allContenders(): Contender[] {
  return [
    new Redisext(true),
    new NodeRedis(0),
    new NodeRedis('default'),
    new IoRedis(false),
    new IoRedis(true),
    new Redisext(false),
    new Redisext(true, 2),
  ];
}

/** Runs one workload: warm-up rounds, then measured rounds, contenders alternating. */
async function runWorkload(
  workload: Workload,
  ctx: Context,
  config: BenchConfig,
): Promise<WorkloadResult> {
  const subjects = workload.subjects(ctx);
  const samples = subjects.map(() => [] as number[]);
  const ops = subjects.map(() => 0);
  const sampleMs = config.sampleMs * (workload.sampleScale ?? 1);
  for (let round = -config.warmup; round < config.rounds; round++) {
    // Rotate who goes first, so no contender always runs right after the same other one.
    const shift = ((round % subjects.length) + subjects.length) % subjects.length;
    for (let k = 0; k < subjects.length; k++) {
      const index = (k + shift) % subjects.length;
      if (workload.usesServer) await ctx.server.clean();
      // Start every sample with a clean heap: no contender pays for the garbage of the one
      // that ran before it.
      collect?.();
      // That forced collection also throws away the code V8 optimized: without an unmeasured
      // run first (a sample of its own, not checked: checks may record figures; then cleaned
      // away), each sample would time its contender's JIT warm-up again (the same functions were
      // optimized again in every sample). The warm-up lasts 150-200 ms after the collection, for
      // redisext and redis-semaphore alike (measured in 25 ms windows: Semaphore pairs 5-20k/s
      // at first, 35-60k/s from then on), so the unmeasured run is as long as the sample; a third
      // of it, as before, left ours at 38k/s against 48k/s in 1 s samples. (No collection keeps
      // the code: in Node 20, `gc({ type: 'major', execution: 'sync' })` runs a scavenge only,
      // and the asynchronous major one discards the code as well.) The measured sample is made
      // after the run, so what it notes at its start is fresh.
      const warm = subjects[index].sample();
      if (warm.kind === 'async') await drive(warm.op, workload.concurrency, sampleMs);
      else driveSync(warm.op, sampleMs);
      if (workload.usesServer) await ctx.server.clean();
      const run = subjects[index].sample();
      let measured;
      if (run.kind === 'async') {
        measured = await drive(run.op, workload.concurrency, sampleMs);
        await run.check(measured);
      } else {
        measured = driveSync(run.op, sampleMs);
        run.check(measured);
      }
      if (round >= 0) {
        samples[index].push((measured.ops * workload.perOp * 1000) / measured.ms);
        ops[index] += measured.ops;
      }
    }
  }
  if (workload.usesServer) await ctx.server.clean();
  return summarize(
    {
      id: workload.id,
      title: workload.title,
      unit: workload.unit,
      concurrency: workload.concurrency,
      perOp: workload.perOp,
    },
    subjects.map((s, i) => ({ id: s.id, label: s.label, samples: samples[i], ops: ops[i] })),
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wants(argv, 'help')) return log(usage);
  if (wants(argv, 'list')) {
    for (const w of WORKLOADS) log(`${w.id.padEnd(18)} ${w.title}`);
    for (const w of COORDINATION_LIST) log(`${w.id.padEnd(18)} ${w.title}`);
    for (const w of NEAR_LIST) log(`${w.id.padEnd(18)} ${w.title}`);
    for (const w of QUEUE_WORKLOADS) log(`${w.id.padEnd(18)} ${w.title}`);
    log(
      `${RQ_MEMORY.padEnd(18)} server memory kept after 100,000 messages through a ReliableQueue`,
    );
    return log(
      `${MEMORY.padEnd(18)} a million model instances, then a million operations (child process)`,
    );
  }
  const config = readConfig(argv, process.env);
  const workloads = WORKLOADS.filter((w) => selected(config, w.id));
  const memory = selected(config, MEMORY);
  const queueWorkloads = QUEUE_WORKLOADS.filter((w) => selected(config, w.id));
  const rqMemory = selected(config, RQ_MEMORY);
  const coordination = COORDINATION_LIST.some((w) => selected(config, w.id));
  const near = NEAR_LIST.some((w) => selected(config, w.id));
  if (
    workloads.length === 0 &&
    !memory &&
    queueWorkloads.length === 0 &&
    !rqMemory &&
    !coordination &&
    !near
  )
    throw new UsageError(`no workload matches ${config.only.join(',')}`);

  const started = performance.now();
  const server: BenchServer = await benchServer(config.redisUrl);
  log(`redis-server ${server.version} at ${server.url}${server.owned ? ' (spawned)' : ''}`);
  const contenders = new Map<ContenderId, Contender>();
  try {
    const needed = workloads.some((w) => w.usesServer) ? allContenders() : [];
    for (const contender of needed) {
      await contender.open(server.url);
      contenders.set(contender.id, contender);
    }
    const ctx: Context = { server, contenders };
    const results: WorkloadResult[] = [];
    for (const workload of workloads) {
      const t0 = performance.now();
      const result = await runWorkload(workload, ctx, config);
      results.push(result);
      const summary = result.subjects.map((s) => `${s.label} ${Math.round(s.median)}`).join(', ');
      log(`${workload.id} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${summary}`);
    }
    // How many connections each contender holds after every workload (CLIENT LIST).
    const connections: Record<string, number> = {};
    for (const contender of contenders.values()) {
      connections[contender.id] = await server.clientsNamed(contender.clientName);
      await contender.close();
    }
    contenders.clear();

    // The coordination section (rate limiter, semaphore): its own clients.
    const coordinated = await runCoordination(
      server,
      (id) => selected(config, id),
      config,
      runWorkload,
      log,
    );
    results.push(...coordinated.workloads);

    // The near-cache section (hot reads, invalidation delay, tracking memory): its own clients.
    const nearCache = await runNearCache(
      server,
      (id) => selected(config, id),
      config,
      runWorkload,
      log,
    );
    results.push(...nearCache.workloads);

    // The reliable-queue section: its own connections (redisext, BullMQ), after the others.
    let queues: QueueSection = { workloads: [] };
    if (queueWorkloads.length > 0 || rqMemory) {
      queues = await runQueues(server, queueWorkloads, rqMemory, config, log);
      results.push(...queues.workloads);
    }

    let mem: MemoryResult | undefined;
    if (memory) {
      log(
        `memory: ${config.instances} instances, ${config.operations} operations (child process)...`,
      );
      mem = await runMemory(server.url, config.instances, config.operations);
    }
    const report: BenchResults = {
      environment: environment(server.version, server.owned),
      config: {
        rounds: config.rounds,
        warmup: config.warmup,
        sampleMs: config.sampleMs,
        quick: config.quick,
        only: config.only,
      },
      workloads: results,
      connections,
      memory: mem,
      rqMemory: queues.memory,
      targets: evaluate(results, mem, queues.memory),
      seconds: (performance.now() - started) / 1000,
    };
    const env = report.environment;
    console.log(
      `\n${env.cpus} × ${env.cpuModel}, Node ${env.node}, redis-server ${env.redisServer}; ` +
        `${config.rounds} rounds × ${config.sampleMs} ms after ${config.warmup} warm-up, medians` +
        `${queueWorkloads.length > 0 ? ' (rq-*: fixed work per round, not a fixed time)' : ''}\n`,
    );
    console.log(render(report));
    for (const line of coordinated.lines) console.log(`\n${line}`);
    for (const line of nearCache.lines) console.log(`\n${line}`);
    if (config.save) console.log(`\nsaved ${save(report)}`);
  } finally {
    for (const contender of contenders.values()) await contender.close().catch(() => undefined);
    await server.clean().catch(() => undefined);
    await server.stop();
  }
}

if (collect === undefined) {
  // Run again with --expose-gc (keeping the other node options, e.g. --cpu-prof).
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...process.execArgv, script, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error instanceof UsageError ? error.message : error);
    process.exitCode = 1;
  });
}
