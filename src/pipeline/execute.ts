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

/** Counts commands in flight for a dead-server watchdog (see Watchdog). */
export interface Meter {
  inflight: number;
  settled(): void;
}

/** Replies of a batch: `errors[i]` is set (and `replies[i]` not) for a failed command. */
interface Settled {
  replies: unknown[];
  errors: unknown[] | undefined;
}

/**
 * Sends every command right away (same tick: node-redis writes them in one go) and waits for all
 * replies, with one callback pair per command and no per-command wrapper promise.
 */
function sendAll(
  send: Send,
  commands: readonly Command[],
  args: (command: Command) => RedisArg[],
  meter?: Meter,
): Promise<Settled> {
  const count = commands.length;
  const settled: Settled = { replies: new Array(count), errors: undefined };
  if (count === 0) return Promise.resolve(settled);
  if (meter) meter.inflight += count;
  return new Promise((resolve) => {
    let pending = count;
    for (let i = 0; i < count; i++) {
      send(args(commands[i]), commands[i]).then(
        (reply) => {
          settled.replies[i] = reply;
          meter?.settled();
          if (--pending === 0) resolve(settled);
        },
        (error: unknown) => {
          (settled.errors ??= new Array(count))[i] = error ?? new Error('unknown failure');
          meter?.settled();
          if (--pending === 0) resolve(settled);
        },
      );
    }
  });
}

/** Decodes replies into results; failed or undecodable ones become typed errors. */
function collect(
  mapper: ErrorMapper,
  commands: readonly Command[],
  settled: Settled,
): { results: unknown[]; failures: BatchFailure[] } {
  const { replies, errors } = settled;
  const results: unknown[] = new Array(commands.length);
  const failures: BatchFailure[] = [];
  for (let i = 0; i < commands.length; i++) {
    const error = errors?.[i];
    try {
      results[i] =
        error === undefined ? finish(commands[i], replies[i]) : settle(mapper, commands[i], error);
    } catch (failure) {
      const typed = failure instanceof Error ? failure : new Error(String(failure));
      results[i] = typed;
      failures.push({ index: i, error: typed });
    }
  }
  return { results, failures };
}

/** Sends one command of a batch (right away: every command is sent in the same tick). */
export type Send = (args: RedisArg[], command: Command) => Promise<unknown>;

const argsOf = (command: Command): RedisArg[] => command.args;
const evalOf = (command: Command): RedisArg[] => command.script!.toEval(command.args);

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
  meter?: Meter,
): Promise<unknown[]> {
  const settled = await sendAll(send, commands, argsOf, meter);
  const errors = settled.errors;
  if (errors !== undefined) {
    const retry = commands.flatMap((command, i) => (isNoScript(command, errors[i]) ? [i] : []));
    if (retry.length > 0) {
      const again = await sendAll(
        send,
        retry.map((i) => commands[i]),
        evalOf,
        meter,
      );
      retry.forEach((index, j) => {
        errors[index] = again.errors?.[j];
        settled.replies[index] = again.replies[j];
      });
    }
  }
  const { results, failures } = collect(mapper, commands, settled);
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
    const errors = queued.map((q) =>
      q.status === 'rejected' ? q.reason : new Error('not run: the transaction was discarded'),
    );
    const { results, failures } = collect(endpoint, commands, { replies: [], errors });
    throw new TransactionError(
      results,
      failures.filter((f) => refused.includes(f.index)),
      true,
    );
  }
  if (exec.value === null) return WATCH_FAILED;
  const replies = exec.value as unknown as unknown[];
  const failed = replies.some((reply) => reply instanceof Error);
  const errors = failed
    ? replies.map((reply) => (reply instanceof Error ? reply : undefined))
    : undefined;
  const { results, failures } = collect(endpoint, commands, { replies, errors });
  if (failures.length > 0) throw new TransactionError(results, failures, false);
  return results;
}
