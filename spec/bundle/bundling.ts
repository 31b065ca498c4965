/**
 * Bundles a TypeScript program with esbuild into a fresh directory outside the repository and
 * runs the bundle there with `node`: what spec/bundle/bundle.spec.ts checks redisext with.
 */
import { build, type Plugin } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: this file is spec/bundle/bundling.ts, compiled into <outDir>/spec/bundle/,
 * and the outDir (build/, build-bundle/...) sits at the root.
 */
export const REPO = realpathSync(fileURLToPath(new URL('../../../', import.meta.url)));

/**
 * An ESM bundle of CommonJS packages (node-redis is one) keeps their `require('events')` calls,
 * and ES modules have no `require`: esbuild's stand-in throws "Dynamic require of "node:crypto"
 * is not supported" (evanw/esbuild#1921). The usual banner gives the bundle a real `require`;
 * it only ever loads Node's built-ins here (everything else is inside the bundle).
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __redisextCreateRequire } from 'node:module';\n" +
  'const require = __redisextCreateRequire(import.meta.url);';

/** Output format of a bundle. */
export type BundleFormat = 'esm' | 'cjs';

/** A bundle written by {@link bundle}. */
export interface Bundle {
  /** The fresh directory outside the repository that holds it (remove it when done). */
  readonly dir: string;
  /** The bundle file: `app.mjs` or `app.cjs`, so `node` needs no package.json to load it. */
  readonly file: string;
  /** The source files bundled in, relative to the repository root (`node_modules/redis/...`). */
  readonly inputs: string[];
  /** What the bundle still imports at run time (left external by esbuild). */
  readonly externals: string[];
}

/**
 * Bundles `entry` (a path relative to the repository root) with everything it imports except
 * Node's built-ins (`platform: 'node'`, `bundle: true`, no `external`/`packages` option), with
 * the repository's tsconfig.json (legacy decorators, `useDefineForClassFields: false`).
 */
export async function bundle(
  entry: string,
  format: BundleFormat,
  plugins: Plugin[] = [],
): Promise<Bundle> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'redisext-bundle-')));
  const outside = relative(REPO, dir);
  if (!outside.startsWith('..') && !isAbsolute(outside)) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the temporary directory ${dir} is inside the repository ${REPO}: set TMPDIR`);
  }
  const file = join(dir, format === 'esm' ? 'app.mjs' : 'app.cjs');
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: [entry],
    tsconfig: join(REPO, 'tsconfig.json'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    outfile: file,
    banner: format === 'esm' ? { js: ESM_REQUIRE_BANNER } : undefined,
    metafile: true,
    logLevel: 'silent',
    plugins,
  });
  const output = Object.values(result.metafile.outputs)[0];
  return {
    dir,
    file,
    inputs: Object.keys(output.inputs),
    externals: [...new Set(output.imports.filter((i) => i.external).map((i) => i.path))].sort(),
  };
}

/**
 * The externals of a bundle that are neither Node built-ins nor missing from node_modules. A
 * package that is not installed cannot have been bundled, nor read at run time: node-redis
 * names its optional peers (`@node-rs/xxhash`, `@opentelemetry/api`) in a guarded `import()`
 * or `require()`, which esbuild leaves as they are when it cannot resolve them.
 */
export function installedExternals(bundled: Bundle): string[] {
  const resolveFrom = createRequire(join(REPO, 'package.json'));
  return bundled.externals.filter((name) => {
    if (isBuiltin(name)) return false;
    try {
      resolveFrom.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** How a child process ended. */
export interface Run {
  /** Exit code; null when killed by a signal. */
  readonly code: number | null;
  /** The signal that killed it (SIGKILL: it outlived the timeout). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `node file` in the bundle's directory with only PATH and `env` set (no NODE_OPTIONS, no
 * NODE_PATH), killed after `timeoutMs`.
 */
export function runNode(
  file: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
