import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';
import { REPO, runNode } from './bundling.js';

/**
 * A CommonJS program outside the repository that `require`s the package by its name (through
 * the package.json `exports` map, as an installed copy would) and uses a model: `require()` of
 * an ES module works on Node >= 20.19 when the exports map offers it (a `default` condition)
 * and the module graph has no top-level await.
 */
const PROGRAM = `
const redisext = require('redisext');
class Visits extends redisext.Counter {
  static CONNECTION = process.env.REDIS_DSN;
}
(async () => {
  const visits = new Visits(process.env.KEY);
  const first = await visits.incr();
  const second = await visits.incr(2);
  await redisext.Connection.forDsn(process.env.REDIS_DSN).close();
  console.log(JSON.stringify({
    first,
    second,
    connection: typeof redisext.Connection,
    serializers: Object.keys(redisext.serializer).sort(),
    error: new redisext.ArgumentError('x') instanceof redisext.RedisextError,
  }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('require() of the package (CommonJS)', function () {
  this.timeout(30_000);
  let dir: string | undefined;

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a CommonJS program requires redisext by name and uses a model', async function () {
    if (!existsSync(join(REPO, 'dist', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test runs it) before this spec');
    }
    const server = await standalone();
    dir = mkdtempSync(join(tmpdir(), 'redisext-cjs-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(REPO, join(dir, 'node_modules', 'redisext'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    writeFileSync(join(dir, 'main.js'), PROGRAM);
    const run = await runNode(join(dir, 'main.js'), dir, {
      REDIS_DSN: `${server.url}/0`,
      KEY: uniq('cjs'),
    });
    expect(run.code, run.stderr).to.equal(0);
    const printed = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Record<
      string,
      unknown
    >;
    expect(printed).to.deep.equal({
      first: 1,
      second: 3,
      connection: 'function',
      serializers: ['JSON', 'Numeric', 'Pickle', 'Raw', 'String', 'Typed'],
      error: true,
    });
  });
});
