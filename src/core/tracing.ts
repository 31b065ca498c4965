import {
  channel,
  tracingChannel,
  type Channel,
  type TracingChannel,
} from 'node:diagnostics_channel';
import type { Command } from './command.js';

/**
 * What redisext publishes on Node's `diagnostics_channel`, the way node-redis and ioredis do, so
 * tracers (OpenTelemetry, dd-trace...) and metrics can subscribe without any wrapping. Nothing
 * is built or published while nobody subscribes: each site tests `hasSubscribers` first.
 *
 * - `redisext:operation`, a tracing channel (`tracing:redisext:operation:start`, `end`,
 *   `asyncStart`, `asyncEnd`, `error`): one trace per operation run directly or in a `watch()`
 *   body, with the context {@link OperationContext}. A failed operation publishes `error` (the
 *   context's `error` set) and then `asyncEnd`, once: `asyncEnd` is the one end of every trace.
 * - `redisext:batch`, a tracing channel: one trace per pipeline, transaction or `watch()`, with
 *   {@link BatchContext}.
 * - `redisext:connection`: plain events ({@link ConnectionEvent}): connects, failed connects,
 *   driver errors (the client reconnects), watchdog drops, failovers followed, replicas skipped,
 *   scripts loaded again.
 * - `redisext:model`: plain events of the models ({@link ModelEvent}): lock wait, acquire, loss
 *   and release; cache hit and miss; queue push, pop and ack.
 *
 * See docs/observability.md.
 *
 * @module
 */

/** How an operation ran: directly, or queued in a `watch()` body. */
export type OperationKind = 'direct' | 'watch';

/** The context of one `redisext:operation` trace. */
export interface OperationContext {
  /** The model class name. */
  readonly model?: string;
  /** The key (see {@link traceKeys}: absent when keys are hidden). */
  readonly key?: string;
  /** What ran: the Redis command (`INCRBY`), or our script's name (`lock-acquire-3`). */
  readonly command: string;
  /** `'direct'` or `'watch'`. */
  readonly batch: OperationKind;
  /** The operation's result, set before `asyncEnd` when it succeeded. */
  result?: unknown;
  /** The operation's error, set before `error` and `asyncEnd` when it failed. */
  error?: unknown;
}

/** The context of one `redisext:batch` trace. */
export interface BatchContext {
  /** The Connection class name. */
  readonly connection: string;
  readonly batch: 'pipeline' | 'transaction' | 'watch';
  /** The operations, in order (for `watch`: the keys watched; its operations are traced one by one). */
  readonly operations: ReadonlyArray<{ model?: string; key?: string; command: string }>;
  result?: unknown;
  error?: unknown;
}

/** An event of `redisext:connection`. Addresses are `host:port`; errors are labels, no message. */
export interface ConnectionEvent {
  readonly event:
    | 'connect'
    | 'connect-failed'
    | 'error'
    | 'reconnect'
    | 'drop'
    | 'failover'
    | 'replica-skipped'
    | 'script-reload'
    | 'cluster-refresh'
    | 'near-cache-clear';
  /** The server concerned, `host:port` (absent for the cluster as a whole). */
  readonly address?: string;
  /** The error's class name and code (`ConnectionError ECONNREFUSED`), never its message. */
  readonly error?: string;
  /**
   * More about it: the connection kind for `connect`, the script for `script-reload`, why for
   * `near-cache-clear` (a tracking connection lost or back, silent, a flush, a moved slot...).
   */
  readonly detail?: string;
}

/** An event of `redisext:model`. */
export interface ModelEvent {
  readonly event:
    | 'lock-wait'
    | 'lock-acquire'
    | 'lock-lose'
    | 'lock-release'
    | 'cache-hit'
    | 'cache-miss'
    | 'queue-push'
    | 'queue-pop'
    | 'queue-ack';
  readonly model: string;
  /** The key (absent when keys are hidden, see {@link traceKeys}). */
  readonly key?: string;
  /** Items pushed, popped or acked. */
  readonly count?: number;
  /** `lock-acquire`: how long the caller waited, ms; `lock-acquire`/`lock-lose`: the fence. */
  readonly waited?: number;
  readonly fence?: number;
}

/** `redisext:operation`. */
export const operations: TracingChannel<object, OperationContext> =
  tracingChannel('redisext:operation');
/** `redisext:batch`. */
export const batches: TracingChannel<object, BatchContext> = tracingChannel('redisext:batch');
/** `redisext:connection`. */
export const connectionEvents = channel('redisext:connection') as Channel<object, ConnectionEvent>;
/** `redisext:model`. */
export const modelEvents = channel('redisext:model') as Channel<object, ModelEvent>;

let showKeys = true;

/**
 * Whether traces and events carry Redis keys (default true). Keys may hold user data (an email
 * in `sessions:ann@example.com`): `traceKeys(false)` leaves them out of every context and
 * event; the model name stays.
 */
export function traceKeys(show: boolean): void {
  showKeys = show;
}

/** A key as traces show it: itself, or nothing when keys are hidden. @internal */
export function tracedKey(key: string | undefined): string | undefined {
  return showKeys ? key : undefined;
}

/** Publishes a connection event, if anyone listens. @internal */
export function connectionEvent(event: ConnectionEvent): void {
  if (connectionEvents.hasSubscribers) connectionEvents.publish(event);
}

/** Publishes a model event, if anyone listens (the key passes through {@link tracedKey}). @internal */
export function modelEvent(event: ModelEvent): void {
  if (modelEvents.hasSubscribers) modelEvents.publish({ ...event, key: tracedKey(event.key) });
}

/** What a trace names a command by: our script's name, else the Redis command. @internal */
export function commandName(command: Command): string {
  return command.script?.name ?? String(command.args[0]);
}

/** A trace of one operation (call it only when `operations.hasSubscribers`). @internal */
export function traceOperation<R>(
  command: Command,
  batch: OperationKind,
  run: () => Promise<R>,
): Promise<R> {
  const context: OperationContext = {
    model: command.model,
    key: tracedKey(command.key),
    command: commandName(command),
    batch,
  };
  return operations.tracePromise(run, context);
}

/** `run()`, traced as one batch when anyone subscribes to `redisext:batch`. @internal */
export function traceBatch<R>(
  connection: string,
  batch: BatchContext['batch'],
  commands: () => readonly Command[],
  run: () => Promise<R>,
): Promise<R> {
  if (!batches.hasSubscribers) return run();
  const context: BatchContext = {
    connection,
    batch,
    operations: commands().map((command) => ({
      model: command.model,
      key: tracedKey(command.key),
      command: commandName(command),
    })),
  };
  return batches.tracePromise(run, context);
}
