import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Connection,
  ReliableQueue,
  RedisextError,
  ReplicationError,
  model,
  serializer,
} from '../../src/index.js';
import { eventually, track, uniq } from '../support/helpers.js';
import { ask, sentinelGroup } from '../support/sentinel.js';

/**
 * A ReliableQueue across a Sentinel failover: `process()` resumes on the promoted replica by
 * itself, and every push that resolved with `DURABLE` (a replica had it) is handled.
 */

/** `eventually`, failing with what it waited for and the state at that moment. */
async function step(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms: number,
  detail?: () => string,
): Promise<void> {
  await eventually(check, ms).catch((error: Error) => {
    throw new Error(`${what}: ${error.message}${detail ? ` (${detail()})` : ''}`);
  });
}

describe('faults: ReliableQueue across a Sentinel failover', function () {
  this.timeout(60_000);

  it('process() resumes by itself on the promoted replica; no durable push is lost', async () => {
    const group = await sentinelGroup();
    const Main = class extends Connection {
      static override SENTINEL = { name: group.name, sentinels: [group.sentinel.url] };
    };
    track(() => Main.close());
    @model({
      connection: Main,
      serializer: serializer.JSON,
      durable: { replicas: 1, timeout: 500 },
      visibility: 2_000,
    })
    class Jobs extends ReliableQueue<{ n: number }> {}
    const q = new Jobs(uniq('rq'));

    const handled = new Set<number>();
    const failures: Error[] = [];
    const stop = new AbortController();
    const worker = q.process(
      async (job) => {
        handled.add(job.n);
      },
      { concurrency: 4, signal: stop.signal, onError: (e) => failures.push(e) },
    );

    const pushed: number[] = []; // resolved: a replica had them
    // Refused with a ReplicationError: applied on the master, not replicated (after the failover
    // the new master has no replica left).
    const unreplicated: number[] = [];
    const refused: unknown[] = [];
    let producing = true;
    const producer = (async () => {
      for (let n = 0; producing; n++) {
        try {
          await q.push({ n });
          pushed.push(n);
        } catch (error) {
          refused.push(error);
          if (error instanceof ReplicationError) unreplicated.push(n);
          await sleep(20);
        }
        await sleep(2);
      }
    })();
    let killedAt = 0;
    let promotedAt = 0;
    const applied = (): number[] => [...pushed, ...unreplicated];
    try {
      await step('100 pushes before the kill', () => pushed.length >= 100, 10_000);

      killedAt = Date.now();
      group.master.signal('SIGKILL');
      await step(
        'promotion',
        async () => {
          const role = (await ask(group.replica, 'ROLE')) as unknown[];
          return String(role[0]) === 'master';
        },
        20_000,
      );
      promotedAt = Date.now();
      const before = applied().length;
      await step(
        '10 pushes after the promotion',
        () => applied().length >= before + 10,
        15_000,
        () =>
          `${applied().length - before} applied; last refusals: ` +
          refused.slice(-3).map(String).join(' | '),
      );
      producing = false;
      await producer;
      await step(
        'every durable push handled',
        () => applied().every((n) => handled.has(n)),
        15_000,
      );
    } finally {
      producing = false;
      stop.abort();
      await worker;
    }
    const resumed = Date.now();

    console.log(
      `      promoted ${promotedAt - killedAt} ms after SIGKILL; ${pushed.length} durable pushes, ` +
        `all handled ${resumed - killedAt} ms after SIGKILL; ${refused.length} pushes refused ` +
        `(typed; ${unreplicated.length} applied without a replica), ${failures.length} ` +
        'failures reported to onError',
    );
    expect(applied().filter((n) => !handled.has(n))).to.deep.equal([]);
    expect(pushed.length, 'durable pushes before the kill').to.be.at.least(100);
    for (const error of [...refused, ...failures]) expect(error).to.be.instanceOf(RedisextError);
  });
});
