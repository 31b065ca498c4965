import type { Command, RedisArg } from '../core/command.js';
import {
  CommandError,
  PipelineError,
  TransactionError,
  type BatchFailure,
} from '../core/errors.js';
import { finish, settle, type ErrorMapper } from '../core/reply.js';
import { replyCode } from './error-map.js';
import { evalOf, isNoScript, scriptLoads, withScriptLoads } from './scripts.js';
import { execOptions, textReply, type ReplyOptions } from './reply-options.js';

/**
 * Running a batch on a connection: a pipeline (every command written at once, replies decoded
 * in order) or a transaction (`MULTI`/`EXEC`). Both topologies use these; they only say how a
 * command is sent and to which server.
 *
 * @internal
 * @module
 */

/** Counts commands in flight for a dead-server watchdog (see Watchdog). */
export interface Meter {
  inflight: number;
  settled(): void;
}

/**
 * Sends one command of a batch (right away: every command is sent in the same tick). `load`:
 * the `SCRIPT LOAD` that goes ahead of `command` (a script), to the server `command` goes to.
 */
export type Send = (args: RedisArg[], command: Command, load?: boolean) => Promise<unknown>;

/** Where a pipeline's commands go, as `runPipeline` needs to know it. */
export interface PipelineRoute {
  /** The server a command goes to (`host:port`), for the scripts' `SCRIPT LOAD`s. */
  readonly serverOf: (command: Command) => string;
  /** True when every command goes to one connection (replies come back in order). */
  readonly ordered: boolean;
  /** The watchdog's counters. */
  readonly meter?: Meter;
}

/** Replies of a batch: `errors[i]` is set (and `replies[i]` not) for a failed command. */
interface Settled {
  replies: unknown[];
  errors: unknown[] | undefined;
}

/**
 * Sends `count` commands right away (same tick: node-redis writes them in one go) and waits for
 * every reply, with no per-command wrapper promise. `ordered`: every command goes to one
 * connection, whose replies settle their promises in the order sent (node-redis' queue), so
 * two callbacks serve the whole batch; otherwise (a cluster's several connections) each command
 * gets its own pair.
 */
function sendAll(
  count: number,
  sendOne: (i: number) => Promise<unknown>,
  meter: Meter | undefined,
  ordered: boolean,
): Promise<Settled> {
  const settled: Settled = { replies: new Array(count), errors: undefined };
  if (count === 0) return Promise.resolve(settled);
  if (meter) meter.inflight += count;
  return new Promise<Settled>((resolve) => {
    let pending = count;
    const replied = (i: number, reply: unknown): void => {
      settled.replies[i] = reply;
      meter?.settled();
      if (--pending === 0) resolve(settled);
    };
    const failed = (i: number, error: unknown): void => {
      (settled.errors ??= new Array(count))[i] = error ?? new Error('unknown failure');
      meter?.settled();
      if (--pending === 0) resolve(settled);
    };
    if (ordered) {
      let next = 0;
      const onReply = (reply: unknown): void => replied(next++, reply);
      const onError = (error: unknown): void => failed(next++, error);
      for (let i = 0; i < count; i++) sendOne(i).then(onReply, onError);
      return;
    }
    for (let i = 0; i < count; i++) {
      sendOne(i).then(
        (reply) => replied(i, reply),
        (error: unknown) => failed(i, error),
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
  // Decoded in place: the replies array is ours, and a batch of 10,000 needs no second one.
  const results = replies;
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

/**
 * Sends every command at once (one write per connection, one round trip) and decodes the
 * replies in order. Scripts are loaded ahead of their first use on each server (`serverOf`),
 * so the batch keeps its order on an empty script cache. A script command that still meets
 * `NOSCRIPT` (the cache was flushed in between, or a cluster redirection took it elsewhere) is
 * sent once more alone, as `EVAL`.
 *
 * @throws {@link PipelineError} carrying every result when some commands failed.
 */
export async function runPipeline(
  mapper: ErrorMapper,
  send: Send,
  commands: readonly Command[],
  route: PipelineRoute,
): Promise<unknown[]> {
  const { meter, ordered } = route;
  const outgoing = withScriptLoads(commands, route.serverOf);
  let settled: Settled;
  if (outgoing === undefined) {
    settled = await sendAll(
      commands.length,
      (i) => send(commands[i].args, commands[i]),
      meter,
      ordered,
    );
  } else {
    const sent = await sendAll(
      outgoing.length,
      (i) => send(outgoing[i].args, outgoing[i].command, outgoing[i].index < 0),
      meter,
      ordered,
    );
    settled = { replies: new Array(commands.length), errors: undefined };
    outgoing.forEach((out, j) => {
      if (out.index < 0) return;
      const error = sent.errors?.[j];
      if (error === undefined) settled.replies[out.index] = sent.replies[j];
      else (settled.errors ??= new Array(commands.length))[out.index] = error;
    });
    await retryNoScript(settled, commands, send, meter);
  }
  const { results, failures } = collect(mapper, commands, settled);
  if (failures.length > 0) throw new PipelineError(results, failures);
  return results;
}

async function retryNoScript(
  settled: Settled,
  commands: readonly Command[],
  send: Send,
  meter?: Meter,
): Promise<void> {
  const errors = settled.errors;
  if (errors === undefined) return;
  const retry = commands.flatMap((command, i) => (isNoScript(command, errors[i]) ? [i] : []));
  for (const index of retry) {
    const again = evalOf(commands[index]);
    const { replies, errors: failed } = await sendAll(
      1,
      () => send(again.args, again),
      meter,
      true,
    );
    errors[index] = failed?.[0];
    settled.replies[index] = replies[0];
  }
}

/** How a transaction ended, when it did not throw. */
export type TransactionOutcome =
  | { readonly kind: 'done'; readonly results: unknown[] }
  /** EXEC answered nil: a WATCHed key changed; nothing ran. */
  | { readonly kind: 'watch-failed' }
  /**
   * A cluster node refused the keys while they were queued (nothing ran): `MOVED` (the slot
   * lives elsewhere now), `ASK` (it is being migrated: ask `address` with `ASKING`), or
   * `TRYAGAIN` (a multi-key command during a migration: try again shortly).
   */
  | {
      readonly kind: 'redirect';
      readonly reason: 'MOVED' | 'ASK' | 'TRYAGAIN' | 'CLUSTERDOWN';
      readonly address: string;
    };

const REDIRECTS = new Set(['MOVED', 'ASK', 'TRYAGAIN']);

/**
 * Runs the commands in `MULTI`/`EXEC` through `send`, which must write to one connection in
 * call order (all are sent in the same tick). The scripts used are loaded first (`SCRIPT LOAD`,
 * before `MULTI`); with `asking`, `ASKING` goes just before `MULTI` (a cluster slot being
 * imported).
 *
 * @throws {@link TransactionError} with `aborted: true` only when Redis discarded the
 * transaction (`EXECABORT`), else for run-time failures; a typed ConnectionError (outcome
 * `'unknown'` when it may have run) when the connection failed.
 */
export async function runTransaction(
  mapper: ErrorMapper,
  send: (args: RedisArg[], options?: ReplyOptions) => Promise<unknown>,
  commands: readonly Command[],
  options: { asking?: boolean; meter?: Meter } = {},
): Promise<TransactionOutcome> {
  const head = [...scriptLoads(commands), ...(options.asking ? [['ASKING']] : []), ['MULTI']];
  const all = [...head, ...commands.map((command) => command.args), ['EXEC']];
  const execWith = execOptions(commands);
  const at = all.length - 1;
  const settled = await sendAll(
    all.length,
    (i) => send(all[i], i === at ? execWith : undefined),
    options.meter,
    true,
  );
  const execError = settled.errors?.[at];
  const queuedError = (i: number): unknown => settled.errors?.[head.length + i];
  if (execError !== undefined) {
    if (replyCode(execError) === undefined) throw mapper.toError(execError);
    const refused = commands.flatMap((_, i) => (queuedError(i) === undefined ? [] : [i]));
    for (const i of refused) {
      const code = replyCode(queuedError(i));
      if (code !== undefined && REDIRECTS.has(code)) {
        const words = String((queuedError(i) as Error).message).split(' ');
        return { kind: 'redirect', reason: code as 'MOVED', address: words[2] ?? '' };
      }
    }
    if (refused.length === 0) throw mapper.toError(execError);
    const errors = commands.map(
      (_, i) =>
        queuedError(i) ?? new CommandError('EXECABORT', 'not run: the transaction was discarded'),
    );
    const { results, failures } = collect(mapper, commands, { replies: [], errors });
    throw new TransactionError(
      results,
      failures.filter((f) => refused.includes(f.index)),
      true,
    );
  }
  const exec = settled.replies[at];
  if (exec === null) return { kind: 'watch-failed' };
  if (!Array.isArray(exec)) {
    throw new CommandError('ERR', `unexpected EXEC reply ${typeof exec}`);
  }
  const replies = exec as unknown[];
  // EXEC's options apply to every reply: with a binary command among them, the others' bulk
  // strings came as Buffers too, and their decoders expect node-redis' default (text).
  if (execWith !== undefined && binaryIn(commands)) textOthers(commands, replies);
  const failed = replies.some((reply) => reply instanceof Error);
  const errors = failed
    ? replies.map((reply) => (reply instanceof Error ? reply : undefined))
    : undefined;
  const { results, failures } = collect(mapper, commands, { replies, errors });
  if (failures.length > 0) throw new TransactionError(results, failures, false);
  return { kind: 'done', results };
}

/** Whether a command of the batch reads its bulk strings as Buffers (`Command.binary`). */
function binaryIn(commands: readonly Command[]): boolean {
  for (const command of commands) if (command.binary === true) return true;
  return false;
}

/** Turns the replies of the commands that are not binary back into text, in place. */
function textOthers(commands: readonly Command[], replies: unknown[]): void {
  for (let i = 0; i < commands.length && i < replies.length; i++) {
    if (commands[i].binary !== true) replies[i] = textReply(replies[i]);
  }
}
