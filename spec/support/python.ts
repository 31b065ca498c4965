import { execFile, execFileSync } from 'node:child_process';

/**
 * The Python side of the interop specs. CI installs Debian's `python3` and `python3-redis`
 * (`.ci/run`); a developer machine may have several interpreters (pyenv's first in PATH, often
 * without the `redis` package), so Debian's is tried first.
 */
const CANDIDATES = ['/usr/bin/python3', 'python3'];

const found = new Map<boolean, string>();

/** Whether `python` runs and, when `redis` is set, can `import redis`. */
function works(python: string, redis: boolean): boolean {
  try {
    execFileSync(python, ['-c', redis ? 'import pickle, redis' : 'import pickle'], {
      stdio: 'ignore',
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a Python 3 interpreter; with `redis: true`, one that has the `redis` package
 * (redis-py). Throws a message saying what to install when there is none: these specs do not
 * skip themselves, as a skipped interop spec would prove nothing.
 */
export function pythonPath(options: { redis?: boolean } = {}): string {
  const redis = options.redis ?? false;
  const cached = found.get(redis);
  if (cached !== undefined) return cached;
  const python = CANDIDATES.find((candidate) => works(candidate, redis));
  if (python === undefined) {
    throw new Error(
      redis
        ? 'no python3 with the redis package: install Debian packages python3 and python3-redis (.ci/run does)'
        : 'no python3: install the Debian package python3 (.ci/run does)',
    );
  }
  found.set(redis, python);
  return python;
}

/** What a Python program printed. */
export interface PythonOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Runs a Python program given as source text (`python3 -c`), with `args` as `sys.argv[1:]` and
 * `stdin` piped in. Rejects with Python's stderr when it exits with an error or runs longer
 * than `timeout` ms (default 30 s).
 */
export function runPython(
  source: string,
  options: {
    args?: readonly string[];
    stdin?: string | Buffer;
    redis?: boolean;
    timeout?: number;
  } = {},
): Promise<PythonOutput> {
  const python = pythonPath({ redis: options.redis ?? false });
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      ['-c', source, ...(options.args ?? [])],
      { encoding: 'buffer', timeout: options.timeout ?? 30_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const text = stderr.toString('utf8');
        if (error) reject(new Error(`python failed: ${error.message}\n${text}`));
        else resolve({ stdout, stderr: text });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}
