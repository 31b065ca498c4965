// Packs the package as `npm publish` would (the `prepack` script builds dist/), checks what the
// tarball holds, installs it in fresh projects outside the repository (ESM, CommonJS, TypeScript
// with `nodenext` and with `bundler` resolution, an esbuild bundle) and runs a small program in
// each against a throwaway redis-server. See tools/pack-check/projects.mjs for the projects.
// Usage: node tools/pack-check.mjs [--keep]   (npm run pack:check; --keep leaves the temp dir)
// Exits 1 with the failing step and its output on any failure.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { EXPECTED, projects } from './pack-check/projects.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = {
  npm: 'npm',
  node: process.execPath,
  tsc: join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
  esbuild: join(REPO, 'node_modules', '.bin', 'esbuild'),
};
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

/** A failed step: what ran, where, and the end of its output. */
class CheckError extends Error {
  constructor(step, detail) {
    super(`${step}: ${detail}`);
    this.name = 'CheckError';
  }
}

/**
 * The environment of every child: ours without what `npm run` sets for the repository (its
 * package, its prefix), so that a nested `npm install` works on the fresh project it runs in.
 */
function childEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_(local_)?prefix$|INIT_CWD$)/i.test(name)) {
      delete env[name];
    }
  }
  return env;
}

/** Runs `tool args` in `cwd` (node scripts through node); rejects with a CheckError unless 0. */
function run(tool, args, cwd, timeoutMs = 120_000) {
  const viaNode = tool === 'tsc';
  const command = viaNode ? BIN.node : (BIN[tool] ?? tool);
  const argv = viaNode ? [BIN.tsc, ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => reject(new CheckError(`${tool} ${args.join(' ')}`, error)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve({ stdout, stderr });
      const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
      const how = signal ? `killed by ${signal}` : `exited ${code}`;
      reject(new CheckError(`\`${tool} ${args.join(' ')}\` in ${cwd}`, `${how}\n${output}`));
    });
  });
}

/** Seconds since `start`, for the summary lines. */
const since = (start) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway redis-server (no persistence) in `dir`; resolves once it accepts. */
async function startRedis(dir) {
  const port = await freePort();
  const args = ['--port', `${port}`, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail('not ready after 10 s'), 10_000);
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new CheckError(`redis-server on port ${port}`, `${why}\n${output}`));
    };
    child.once('error', (error) => fail(`${error}`));
    child.once('exit', (code) => fail(`exited ${code}`));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    });
  });
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill('SIGKILL') };
}

/** Packs the repository into `dir` (running `prepack`); returns the tarball's path. */
async function pack(dir) {
  await run('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], REPO, 300_000);
  const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1) throw new CheckError('npm pack', `wrote ${tarballs.join(', ')}`);
  return join(dir, tarballs[0]);
}

/**
 * Checks what the tarball holds: the entry points; no docs/api, no sources, no tests; every
 * `sourceMappingURL` names a map in the tarball, and every map embeds each source it names
 * (`sourcesContent`) or names a source that is in the tarball.
 */
async function checkContents(tarball, dir) {
  mkdirSync(dir);
  await run('tar', ['-xzf', tarball, '-C', dir], dir);
  const root = join(dir, 'package');
  const files = readdirSync(root, { recursive: true }).map((f) => f.split('\\').join('/'));
  const problems = [];
  for (const needed of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'README.md']) {
    if (!files.includes(needed)) problems.push(`${needed} is missing`);
  }
  for (const file of files) {
    if (/^(docs\/api|src|spec|tools|bench|build|demo|examples)\//.test(file)) {
      problems.push(`${file} is shipped`);
    }
  }
  const shipped = new Set(files);
  for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
    const link = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(root, file), 'utf8'));
    if (!link) continue;
    const map = posix.join(posix.dirname(file), link[1]);
    if (!shipped.has(map)) {
      problems.push(`${file} names the source map ${map}, which is not shipped`);
      continue;
    }
    const { sources = [], sourcesContent = [] } = JSON.parse(readFileSync(join(root, map), 'utf8'));
    sources.forEach((source, i) => {
      const target = posix.join(posix.dirname(map), source);
      if (typeof sourcesContent[i] !== 'string' && !shipped.has(target)) {
        problems.push(`${map} names ${source}, neither embedded nor shipped`);
      }
    });
  }
  if (problems.length) {
    const shown = problems.slice(0, 20).join('\n  ');
    const more = problems.length > 20 ? `\n  ...and ${problems.length - 20} more` : '';
    throw new CheckError('tarball contents', `\n  ${shown}${more}`);
  }
  return files.length;
}

/**
 * The bundle's imports that esbuild left external although the project has them installed:
 * anything but Node's built-ins and the optional peers node-redis loads behind a guard.
 */
function unbundled(project, dir) {
  const meta = JSON.parse(readFileSync(join(dir, project.bundle), 'utf8'));
  const inputs = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
  if (!inputs.some((i) => i.startsWith('node_modules/redisext/dist/'))) {
    return ['node_modules/redisext/dist/ (not bundled in)'];
  }
  const resolveFrom = createRequire(join(dir, 'package.json'));
  const external = Object.values(meta.outputs).flatMap((o) =>
    o.imports.filter((i) => i.external).map((i) => i.path),
  );
  return [...new Set(external)].filter((name) => {
    if (isBuiltin(name)) return false;
    try {
      resolveFrom.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** Writes one project in `root`, installs the tarball, builds and runs it; the summary line. */
async function checkProject(project, root, tarball) {
  const start = performance.now();
  const dir = join(root, project.name);
  for (const [file, text] of Object.entries(project.files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  await run('npm', [...INSTALL, tarball, ...project.extra], dir);
  const installed = since(start);
  for (const [tool, args] of project.steps) await run(tool, args, dir);
  if (project.lean) {
    const { stdout } = await run('tsc', ['-p', 'tsconfig.json', '--listFilesOnly'], dir);
    const heavy = stdout.split('\n').filter((file) => /node_modules\/(redis|@redis)\//.test(file));
    if (heavy.length) {
      throw new CheckError(
        `${project.name} types`,
        `redisext's types load ${heavy[0]} (and ${heavy.length - 1} more)`,
      );
    }
  }
  if (project.bundle) {
    const left = unbundled(project, dir);
    if (left.length) throw new CheckError(`${project.name} bundle`, `left out ${left.join(', ')}`);
  }
  const { stdout } = await run('node', [project.run], dir, 30_000);
  const printed = stdout.trim().split('\n').pop();
  if (printed !== EXPECTED) {
    throw new CheckError(
      `${project.name}: node ${project.run}`,
      `printed ${printed}, not ${EXPECTED}`,
    );
  }
  return `ok  ${project.name.padEnd(12)} ${since(start).padStart(7)}  (install ${installed})`;
}

async function main() {
  const start = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'redisext-pack-'));
  let redis;
  try {
    const tarball = await pack(root);
    const count = await checkContents(tarball, join(root, 'unpacked'));
    console.log(`ok  ${'pack'.padEnd(12)} ${since(start).padStart(7)}  (${count} files)`);
    redis = await startRedis(root);
    const typesNode = JSON.parse(
      readFileSync(join(REPO, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
    ).version;
    const results = await Promise.allSettled(
      projects(redis.url, typesNode).map((p) => checkProject(p, root, tarball)),
    );
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    for (const r of results) if (r.status === 'fulfilled') console.log(r.value);
    if (failed.length) throw failed.length === 1 ? failed[0] : new AggregateError(failed);
    console.log(`pack-check: all ${results.length} projects passed in ${since(start)}`);
  } finally {
    redis?.stop();
    if (process.argv.includes('--keep')) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  const errors = error instanceof AggregateError ? error.errors : [error];
  for (const e of errors)
    console.error(`pack-check FAILED: ${e instanceof CheckError ? e.message : e.stack}`);
  if (!process.argv.includes('--keep')) console.error('(run with --keep to keep the projects)');
  process.exitCode = 1;
});
