/**
 * Benchmark settings, from the command line (`--quick`, `--rounds=5`, `--only=incr,lock`...) or
 * the environment (`BENCH_QUICK=1`, `BENCH_ROUNDS=5`, `BENCH_ONLY=incr,lock`...); the command
 * line wins.
 */
export interface BenchConfig {
  /** Measured rounds per workload (each round runs every contender once). */
  readonly rounds: number;
  /** Unmeasured rounds before them (JIT warm-up, connections opened). */
  readonly warmup: number;
  /** How long one contender runs one workload in one round, in milliseconds. */
  readonly sampleMs: number;
  /** Workload ids (or id prefixes) to run; empty = all. */
  readonly only: readonly string[];
  /** Model instances created by the memory workload. */
  readonly instances: number;
  /** Operations run by the memory workload. */
  readonly operations: number;
  /** A server to use instead of spawning one (only `bench:*` keys are touched). */
  readonly redisUrl: string | undefined;
  /** Write bench/results/<timestamp>.json. */
  readonly save: boolean;
  /** True for the quick settings (`--quick`, `BENCH_QUICK=1`). */
  readonly quick: boolean;
}

const USAGE = `usage: node build/bench/run.js [options]   (or: npm run bench -- [options])
  --quick               few short rounds, 100k memory items (BENCH_QUICK=1)
  --rounds=N            measured rounds (BENCH_ROUNDS, default 7; quick 2)
  --warmup=N            warm-up rounds (BENCH_WARMUP, default 1)
  --sample-ms=N         ms per contender per round (BENCH_SAMPLE_MS, default 300; quick 150)
  --only=a,b            workload ids or prefixes, e.g. incr,lock,memory,rq (BENCH_ONLY)
  --instances=N         model instances of the memory workload (BENCH_INSTANCES, default 1e6)
  --operations=N        operations of the memory workload (BENCH_OPERATIONS, default 1e6)
  --no-save             do not write bench/results/<timestamp>.json (BENCH_SAVE=0)
  --list                list the workloads and exit
  BENCH_REDIS_URL=redis://host:port/db   use that server (default: spawn redis-server)`;

/** Thrown for a bad option; the message includes the usage. */
export class UsageError extends Error {}

function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    const [, no, name, value] = match;
    out.set(name, no ? '0' : (value ?? '1'));
  }
  return out;
}

function count(raw: string | undefined, name: string, fallback: number, min = 1): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${name} must be an integer ≥ ${min}, got ${raw}\n${USAGE}`);
  }
  return value;
}

function truthy(raw: string | undefined): boolean {
  return raw !== undefined && raw !== '' && raw !== '0' && raw.toLowerCase() !== 'false';
}

/** True when the command line asks for the usage or the list of workloads. */
export function wants(argv: readonly string[], what: 'help' | 'list'): boolean {
  return argv.includes(`--${what}`) || (what === 'help' && argv.includes('-h'));
}

/** The usage text. */
export const usage = USAGE;

/** Reads the settings. @throws {@link UsageError} for a bad option. */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BenchConfig {
  const cli = flags(argv.filter((arg) => arg !== '--list' && arg !== '--help' && arg !== '-h'));
  const known = ['quick', 'rounds', 'warmup', 'sample-ms', 'only', 'instances', 'operations'];
  for (const name of cli.keys()) {
    if (![...known, 'save'].includes(name))
      throw new UsageError(`unknown option --${name}\n${USAGE}`);
  }
  const pick = (name: string, envName: string): string | undefined => cli.get(name) ?? env[envName];
  const quick = truthy(pick('quick', 'BENCH_QUICK'));
  const only = (pick('only', 'BENCH_ONLY') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return {
    quick,
    rounds: count(pick('rounds', 'BENCH_ROUNDS'), 'rounds', quick ? 2 : 7),
    warmup: count(pick('warmup', 'BENCH_WARMUP'), 'warmup', 1, 0),
    sampleMs: count(pick('sample-ms', 'BENCH_SAMPLE_MS'), 'sample-ms', quick ? 150 : 300, 10),
    only,
    instances: count(
      pick('instances', 'BENCH_INSTANCES'),
      'instances',
      quick ? 100_000 : 1_000_000,
    ),
    operations: count(
      pick('operations', 'BENCH_OPERATIONS'),
      'operations',
      quick ? 100_000 : 1_000_000,
    ),
    redisUrl: env.BENCH_REDIS_URL || undefined,
    save: (pick('save', 'BENCH_SAVE') ?? '1') !== '0',
  };
}

/** Whether the workload `id` is selected by `only` (ids or id prefixes). */
export function selected(config: BenchConfig, id: string): boolean {
  return config.only.length === 0 || config.only.some((want) => id === want || id.startsWith(want));
}
