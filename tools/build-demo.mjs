/**
 * Builds what `npm run demo` runs, in well under a second: src, examples, demo and tools
 * transpiled file by file with esbuild (no type check: `npm test` does that) into build-demo/.
 * Each file stays a module of its own, so an example's "run me directly" check still only
 * fires for the file node was started with.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const roots = ['src', 'examples', 'demo', 'tools'];
const files = roots.flatMap((root) =>
  readdirSync(root, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(root, file)),
);
rmSync('build-demo', { recursive: true, force: true });
await build({
  entryPoints: files,
  outdir: 'build-demo',
  outbase: '.',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  tsconfig: 'tsconfig.json',
});
