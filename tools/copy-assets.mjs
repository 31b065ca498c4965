// Copies the Lua scripts beside the compiled modules: src/**/*.lua -> <out>/**/*.lua.
// Usage: node tools/copy-assets.mjs dist           (package build: src/x.lua -> dist/x.lua)
//        node tools/copy-assets.mjs build/src      (test build)
import { cpSync, readdirSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const out = process.argv[2];
if (!out) throw new Error('usage: node tools/copy-assets.mjs <out dir>');
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
for (const file of walk('src').filter((f) => f.endsWith('.lua'))) {
  const target = join(out, relative('src', file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}
