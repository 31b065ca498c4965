import type { Command, RedisArg } from '../command.js';
import {
  finish,
  isNoScript,
  settle,
  type Endpoint,
  type ErrorMapper,
  type RedisClient,
} from '../connection/endpoint.js';
import { TransactionError, PipelineError, type BatchFailure } from '../errors.js';

/** Marks the EXEC of a transaction whose WATCHed keys changed. @internal */
export const WATCH_FAILED = Symbol('watch failed');

/** Decodes settled replies into results and failures. */
function collect(
  endpoint: ErrorMapper,
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

/** Sends one command of a batch (right away: every command is sent in the same tick). */
export type Send = (args: RedisArg[], command: Command) => Promise<unknown>;

/**
 * Sends every command at once (one write per connection, one round trip) and decodes the
 * replies in order. Scripts the server did not know are sent again as EVAL.
 *
 * @throws {@link PipelineError} carrying every result when some commands failed.
 */
export async function runPipeline(
  mapper: ErrorMapper,
  send: Send,
  commands: readonly Command[],
): Promise<unknown[]> {
  const settled = await Promise.allSettled(commands.map((c) => send(c.args, c)));
  const retry = commands.flatMap((command, i) => {
    const s = settled[i];
    return s.status === 'rejected' && isNoScript(command, s.reason) ? [i] : [];
  });
  if (retry.length > 0) {
    const again = await Promise.allSettled(
      retry.map((i) => send(commands[i].script!.toEval(commands[i].args), commands[i])),
    );
    retry.forEach((index, j) => (settled[index] = again[j]));
  }
  const { results, failures } = collect(mapper, commands, (i) => {
    const s = settled[i];
    return s.status === 'fulfilled' ? { ok: true, reply: s.value } : { ok: false, error: s.reason };
  });
  if (failures.length > 0) throw new PipelineError(results, failures);
  return results;
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
  const settled = await Promise.allSettled(
    endpoint.trackMany([['MULTI'], ...args, ['EXEC']].map((a) => client.sendCommand(a))),
  );
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
  const replies = exec.value as unknown as unknown[];
  const { results, failures } = collect(endpoint, commands, (i) =>
    replies[i] instanceof Error
      ? { ok: false, error: replies[i] }
      : { ok: true, reply: replies[i] },
  );
  if (failures.length > 0) throw new TransactionError(results, failures, false);
  return results;
}
