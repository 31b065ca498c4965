import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { closeAll, raw } from '../support/helpers.js';
import { standalone } from '../support/topology.js';

const run = promisify(execFile);
/** The repository (the spec runs from build/spec/demo/). */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('npm run demo (the main job)', () => {
  after(closeAll);

  it('runs every step against REDIS_URL and leaves no key of its own behind', async () => {
    const server = await standalone();
    await run(process.execPath, ['tools/build-demo.mjs'], { cwd: REPO });
    const { stdout } = await run(process.execPath, ['build-demo/demo/demo.js'], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL: server.url },
      timeout: 60_000,
    });
    for (let step = 1; step <= 5; step++) expect(stdout).to.include(`[${step}/5]`);
    expect(stdout).to.match(/cleaned up: \d+ keys of this run deleted/);
    expect(stdout).to.include('Next steps');
    // Every key of the run names it (the Map's key is printed): none is left.
    const runId = /stored under "(demo-[0-9a-z]+):/.exec(stdout)?.[1];
    expect(runId, 'the run id in the output').to.be.a('string');
    expect(await raw(server, 'KEYS', `*${runId}*`)).to.deep.equal([]);
  });
});
