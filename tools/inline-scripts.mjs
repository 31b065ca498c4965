// Inlines the Lua scripts into a module, so that the package needs no file at run time (bundlers
// work): src/scripts/*.lua -> src/scripts/sources.ts. The .lua files stay the one source of truth.
// A line `-- @include name` is replaced by src/scripts/includes/name.lua (shared snippets; an
// include may not include). The inlined text is what runs and what the SHA1 is computed of.
// Usage: node tools/inline-scripts.mjs          (write)
//        node tools/inline-scripts.mjs --check  (exit 1 when sources.ts is out of date)
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';

const dir = new URL('../src/scripts/', import.meta.url);
const includes = new URL('includes/', dir);

/** The source of one script with its includes inlined. */
function inlined(file) {
  return readFileSync(new URL(file, dir), 'utf8').replace(
    /^-- @include ([a-z0-9-]+)\n/gm,
    (_, name) => readFileSync(new URL(`${name}.lua`, includes), 'utf8'),
  );
}

const names = readdirSync(dir)
  .filter((f) => f.endsWith('.lua'))
  .sort();
const lines = [
  '// Generated from src/scripts/*.lua by tools/inline-scripts.mjs (npm run build runs it): do not',
  '// edit. Each entry is the source of one script, its KEYS/ARGV/reply header included.',
  '',
  '/** The Lua sources, by file name without `.lua`. @internal */',
  'export const LUA = {',
  ...names.map((f) => `  ${JSON.stringify(f.slice(0, -4))}: ${JSON.stringify(inlined(f))},`),
  '} as const;',
  '',
  '/** The name of a script of `src/scripts/`. @internal */',
  'export type ScriptName = keyof typeof LUA;',
  '',
];
const text = lines.join('\n');
const target = new URL('sources.ts', dir);
if (process.argv.includes('--check')) {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (current !== text) {
    console.error('src/scripts/sources.ts is out of date: run node tools/inline-scripts.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
