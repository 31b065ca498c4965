import type { Command, RedisArg } from '../command.js';
import {
  finish,
  isNoScript,
  settle,
  type Endpoint,
  type RedisClient,
} from '../connection/endpoint.js';
import { TransactionError, PipelineError, type BatchFailure } from '../errors.js';

/** Marks the EXEC of a transaction whose WATCHed keys changed. @internal */
export const WATCH_FAILED = Symbol('watch failed');

/** Decodes settled replies into results and failures. */
function collect(
  endpoint: Endpoint,
  commands: readonly Command[],
  outcome: (index: number) => { ok: true; reply: unknown } | { ok: false; error: unknown },
): { results: unknown[]; failures: BatchFailure[] } {
  const results: unknown[] = new Array(commands.length);
  const failures: BatchFailure[] = [];
  for (let i = 0; i < commands.length; i++) {
    const result = outcome(i);
    try {
      results[i] = result.ok
        ? finish(commands[i], result.reply)
        : settle(endpoint, commands[i], result.error);
    } catch (error) {
      const typed = error instanceof Error ? error : new Error(String(error));
      results[i] = typed;
      failures.push({ index: i, error: typed });
    }
  }
  return { results, failures };
}

/**
 * Sends every command at once on one connection (one write, one round trip) and decodes the
 * replies in order. Scripts the server did not know are sent again as EVAL.
 *
 * @throws {@link PipelineError} carrying every result when some commands failed.
 */
export async function runPipeline(
  endpoint: Endpoint,
  commands: readonly Command[],
): Promise<unknown[]> {
  if (commands.length === 0) return [];
  return endpoint.use(async (client) => {
    const settled = await Promise.allSettled(
      send(
        endpoint,
        client,
        commands.map((c) => c.args),
      ),
    );
    const retry = commands.flatMap((command, i) =>
      settled[i].status === 'rejected' &&
      isNoScript(command, (settled[i] as PromiseRejectedResult).reason)
        ? [i]
        : [],
    );
    if (retry.length > 0) {
      const again = await Promise.allSettled(
        send(
          endpoint,
          client,
          retry.map((i) => commands[i].script!.toEval(commands[i].args)),
        ),
      );
      retry.forEach((index, j) => (settled[index] = again[j]));
    }
    const { results, failures } = collect(endpoint, commands, (i) => {
      const s = settled[i];
      return s.status === 'fulfilled'
        ? { ok: true, reply: s.value }
        : { ok: false, error: s.reason };
    });
    if (failures.length > 0) throw new PipelineError(results, failures);
    return results;
  });
}

function send(
  endpoint: Endpoint,
  client: RedisClient,
  batch: RedisArg[][],
): Array<Promise<unknown>> {
  return endpoint.trackMany(batch.map((args) => client.sendCommand(args)));
}

/**
 * Runs the commands in MULTI/EXEC on `client`. Scripts are sent as EVAL (a NOSCRIPT inside EXEC
 * could not be retried). Returns {@link WATCH_FAILED} when EXEC was refused because a WATCHed key
 * changed.
 *
 * @throws {@link TransactionError} when a command was refused (nothing ran) or failed at run time.
 */
export async function runTransaction(
  endpoint: Endpoint,
  client: RedisClient,
  commands: readonly Command[],
): Promise<unknown[] | typeof WATCH_FAILED> {
  const args = commands.map((c) => (c.script ? c.script.toEval(c.args) : c.args));
  const settled = await Promise.allSettled(send(endpoint, client, [['MULTI'], ...args, ['EXEC']]));
  const exec = settled[settled.length - 1];
  const queued = settled.slice(1, -1);
  if (exec.status === 'rejected') {
    const refused = queued.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
    if (refused.length === 0) throw endpoint.toError(exec.reason);
    const { results, failures } = collect(endpoint, commands, (i) =>
      queued[i].status === 'rejected'
        ? { ok: false, error: (queued[i] as PromiseRejectedResult).reason }
        : { ok: false, error: new Error('not run: the transaction was discarded') },
    );
    throw new TransactionError(
      results,
      failures.filter((f) => refused.includes(f.index)),
      true,
    );
  }
  if (exec.value === null) return WATCH_FAILED;
  const replies = exec.value as unknown[];
  const { results, failures } = collect(endpoint, commands, (i) =>
    replies[i] instanceof Error
      ? { ok: false, error: replies[i] }
      : { ok: true, reply: replies[i] },
  );
  if (failures.length > 0) throw new TransactionError(results, failures, false);
  return results;
}
