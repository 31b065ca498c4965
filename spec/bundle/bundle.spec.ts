import { runnerOf } from '../../src/core/merged-script.js';
import { Script } from '../../src/core/script.js';
import { expect } from 'chai';
import type { Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleAppResult } from '../../examples/bundle-app.js';
import { LUA, type ScriptName } from '../../src/scripts/sources.js';
import type { RedisServer } from '../../tools/redis-server.js';
import { closeAll, raw } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import { REPO, bundle, installedExternals, runNode, type BundleFormat } from './bundling.js';

const APP = 'examples/bundle-app.ts';
const FORMATS: BundleFormat[] = ['esm', 'cjs'];

/** What examples/bundle-app.ts prints on a server it has never run on. */
const EXPECTED: BundleAppResult = {
  lock: {
    acquired: true,
    fence: 1,
    contended: true,
    released: true,
    usingFence: 2,
    lockedAfter: false,
  },
  cache: {
    concurrent: [
      { n: 42, by: 'compute' },
      { n: 42, by: 'compute' },
      { n: 42, by: 'compute' },
    ],
    later: { n: 42, by: 'compute' },
    computed: 1,
    stored: true,
    got: { n: 7, by: 'set' },
    missing: null,
  },
};

/** The scripts the program runs (cache-release-2 runs only when a compute fails). */
const USED: ScriptName[] = ['lock-acquire-3', 'lock-release-3', 'cache-fetch-3', 'cache-store-3'];

/** SHA1 of a script's source, computed here rather than taken from the package. */
function sha(name: ScriptName): string {
  return createHash('sha1').update(LUA[name]).digest('hex');
}

/** SHA1 of the runner that runs calls of one script issued together (a concurrent getOrSet). */
function runnerSha(name: ScriptName): string {
  return runnerOf([Script.of(name)]).sha;
}

/** SCRIPT EXISTS of the given scripts: 1 when the server holds it, 0 when not. */
async function scriptsHeld(server: RedisServer, names: ScriptName[]): Promise<number[]> {
  return ((await raw(server, 'SCRIPT', 'EXISTS', ...names.map(sha))) as unknown[]).map(Number);
}

/**
 * The regression the bundle test is there to catch: src/scripts/sources.ts replaced by a module
 * that reads each script from the .lua file next to it, as the package did before the scripts
 * were inlined. It works in the repository and fails anywhere else.
 */
const readScriptsFromFiles: Plugin = {
  name: 'read-scripts-from-files',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]scripts[\\/]sources\.ts$/ }, () => {
      const names = readdirSync(join(REPO, 'src', 'scripts'))
        .filter((file) => file.endsWith('.lua'))
        .map((file) => JSON.stringify(file.slice(0, -'.lua'.length)));
      const contents = [
        "import { readFileSync } from 'node:fs';",
        'const read = (name: string): string =>',
        "  readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');",
        `export const LUA = { ${names.map((name) => `${name}: read(${name})`).join(', ')} };`,
      ].join('\n');
      return { contents, loader: 'ts' };
    });
  },
};

describe('an esbuild bundle of a program using Lock and Cache', function () {
  this.timeout(30_000);

  let server: RedisServer;
  const dirs: string[] = [];

  before(async () => {
    server = await spawnServer(); // its own: a script cache no other spec has filled
  });
  beforeEach(async () => {
    await raw(server, 'FLUSHALL');
    await raw(server, 'SCRIPT', 'FLUSH');
  });
  after(async () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    await closeAll();
  });

  for (const format of FORMATS) {
    it(`runs as one ${format} file from outside the repository, on a server that holds no script`, async () => {
      expect(await scriptsHeld(server, Object.keys(LUA) as ScriptName[])).to.not.include(1);

      const bundled = await bundle(APP, format);
      dirs.push(bundled.dir);
      // Everything is inside, node-redis and class-transformer included; only Node's built-ins
      // (and node-redis's optional peers, which are not installed) stay outside.
      const from = (path: string) => bundled.inputs.some((input) => input.includes(path));
      expect(from('node_modules/@redis/client/'), 'node-redis bundled').to.equal(true);
      expect(from('node_modules/class-transformer/'), 'class-transformer bundled').to.equal(true);
      expect(bundled.inputs, 'the inlined scripts bundled').to.include('src/scripts/sources.ts');
      expect(installedExternals(bundled), 'installed packages left outside').to.deep.equal([]);

      const run = await runNode(bundled.file, bundled.dir, { REDIS_URL: server.url });
      expect(run.signal, `killed: ${run.stderr}`).to.equal(null);
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout) as BundleAppResult).to.deep.equal(EXPECTED);

      // The server ran the scripts the bundle sent it (alone, or calls issued together as one
      // runner call: core/merged-script.ts), and holds what the program stored.
      const alone = await scriptsHeld(server, USED);
      const merged = (await raw(server, 'SCRIPT', 'EXISTS', ...USED.map(runnerSha))) as unknown[];
      expect(alone.map((held, i) => held || Number(merged[i]))).to.deep.equal(USED.map(() => 1));
      expect(await raw(server, 'GET', 'bundle-app:answers:deep-thought')).to.equal(
        '{"n":42,"by":"compute"}',
      );
      expect(await raw(server, 'GET', 'bundle-app:answers:set-by-hand')).to.equal(
        '{"n":7,"by":"set"}',
      );
      expect(await raw(server, 'EXISTS', 'bundle-app:lock:nightly')).to.equal(0);
      expect(await raw(server, 'GET', '{bundle-app:lock:nightly}:fence')).to.equal('2');
    });

    it(`would fail (${format}) if a script were read from a file next to its module`, async () => {
      const bundled = await bundle(APP, format, [readScriptsFromFiles]);
      dirs.push(bundled.dir);
      const run = await runNode(bundled.file, bundled.dir, { REDIS_URL: server.url });
      expect(run.signal, `killed: ${run.stderr}`).to.equal(null);
      expect(run.code).to.not.equal(0);
      expect(run.stdout).to.equal('');
      // ESM: the .lua file is looked for next to the bundle; CJS: import.meta.url is undefined.
      expect(run.stderr).to.match(format === 'esm' ? /ENOENT[^\n]*\.lua/ : /ERR_INVALID_URL/);
    });
  }
});
