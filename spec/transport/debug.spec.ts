import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../tools/redis-server.js';
import { runNode } from '../bundle/bundling.js';
import { closeAll, raw } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';

/** The two passwords of the run: the right one, and a wrong one tried first. */
const RIGHT = 'd3bug-right-pw-4821';
const WRONG = 'wr0ng-debug-pw-9377';

/**
 * A program that meets what the debug log reports: a refused password, a dead replica, a
 * server that lost its script cache. Run with and without `NODE_DEBUG=redisext`.
 */
const PROGRAM = `
const { Connection, Counter, Lock, Map: RMap } = await import(process.env.INDEX);
class Wrong extends Connection {
  static MASTER = process.env.WRONG_DSN;
}
class Right extends Connection {
  static MASTER = process.env.RIGHT_DSN;
  static REPLICA = process.env.DEAD_DSN;
}
class Refused extends Counter { static CONNECTION = Wrong; }
class Value extends RMap { static CONNECTION = Right; }
class Guard extends Lock { static CONNECTION = Right; }
await new Refused('hits').incr().catch(() => undefined);
await new Value('v').get();
const client = await Right.client('master');
await client.sendCommand(['SCRIPT', 'FLUSH']);
await new Guard('g').acquire();
await Wrong.close();
await Right.close();
console.log('done');
`;

describe('NODE_DEBUG=redisext', function () {
  this.timeout(30_000);
  let dir: string | undefined;
  let env: Record<string, string>;

  before(async () => {
    const server = await spawnServer();
    await raw(server, 'CONFIG', 'SET', 'requirepass', RIGHT); // after the start-up PING
    const dead = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'redisext-debug-'));
    writeFileSync(join(dir, 'main.mjs'), PROGRAM);
    env = {
      INDEX: fileURLToPath(new URL('../../src/index.js', import.meta.url)),
      WRONG_DSN: `redis://:${WRONG}@${server.host}:${server.port}/0`,
      RIGHT_DSN: `redis://:${RIGHT}@${server.host}:${server.port}/0`,
      DEAD_DSN: `redis://${server.host}:${dead}/0`,
    };
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await closeAll();
  });

  it('logs connects, failed connects, skipped replicas and script reloads, no password', async () => {
    const run = await runNode(join(dir!, 'main.mjs'), dir!, { ...env, NODE_DEBUG: 'redisext' });
    expect(run.code, run.stderr).to.equal(0);
    const lines = run.stderr.split('\n').filter((line) => line.startsWith('REDISEXT '));
    const log = lines.join('\n');
    expect(log).to.match(/connect failed: \w*Error WRONGPASS/);
    expect(log).to.match(/: connected \(shared\)/);
    expect(log).to.match(
      new RegExp(`:${env.DEAD_DSN.split(':')[2].split('/')[0]}: replica skipped`),
    );
    expect(log).to.match(/NOSCRIPT: lock-acquire-3 runs as EVAL/);
    for (const secret of [RIGHT, WRONG]) {
      for (let i = 0; i + 4 <= secret.length; i++) {
        expect(run.stderr + run.stdout).to.not.include(secret.slice(i, i + 4));
      }
    }
  });

  it('logs nothing without NODE_DEBUG', async () => {
    const run = await runNode(join(dir!, 'main.mjs'), dir!, env);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('done');
    expect(run.stderr).to.not.include('REDISEXT');
  });
});
