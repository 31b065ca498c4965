import type { RedisArg } from '../../core/command.js';
import type { ErrorContext } from '../../core/errors.js';
import type { Script } from '../../core/script.js';
import type { BlockingEndpoint, RedisClient } from '../../transport/blocking-endpoint.js';
import type { Operation } from '../tools.js';
import type { PartitionKeys } from './layout.js';
import type { QueueSettings } from './settings.js';

/**
 * What a ReliableQueue lends to the files of its steps (push, pop, settle, wait, consume,
 * process, dead letters): its identity, settings and keys, and its command helpers, bound.
 *
 * @internal
 * @module
 */

/** One script call of a queue step. */
export interface ScriptCall<R> {
  readonly script: Script;
  readonly keys: readonly string[];
  readonly args: readonly RedisArg[];
  /** The key the call is routed by: the partition's base key. */
  readonly route: string;
  readonly decode: (reply: unknown) => R;
  /** Waits for replicas when the class has `DURABLE` (push, ack), outside batches. */
  readonly durable?: boolean;
  /**
   * The reply carries stored payloads (a pop, the dead letters): with a binary serializer its
   * bulk strings come as Buffers (`Command.binary`), so `decode` reads ids as `String(raw)`.
   */
  readonly stored?: boolean;
}

/** A ReliableQueue as its steps see it. */
export interface QueueHost<T> {
  readonly key: string;
  readonly modelName: string;
  readonly context: ErrorContext;
  readonly settings: QueueSettings;
  /** The keys of partition `p`. */
  keys(p: number): PartitionKeys;
  /** The partition the next scan starts at (turns, so consumers share partitions fairly). */
  nextPartition(): number;
  /** Runs one script (at once, or into the handle's batch). */
  script<R>(call: ScriptCall<R>): Operation<R>;
  /** A dedicated connection to the master of `route`, for blocking waits. */
  blocking<R>(
    route: string,
    fn: (client: RedisClient, endpoint: BlockingEndpoint) => Promise<R>,
    signal?: AbortSignal,
  ): Promise<R>;
  /** Throws a ConfigError when the handle queues into a batch. */
  direct(operation: string): void;
  /** The promise of an operation run at once. */
  now<R>(operation: Operation<R>): Promise<R>;
  /** Decodes a stored payload (throws what the serializer throws). */
  decode(raw: string | Buffer): T;
  /** Encodes a value (a typed EncodeError on failure). */
  encode(value: T): RedisArg;
}
