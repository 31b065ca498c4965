import type { RedisArg } from '../core/command.js';

/**
 * The node-redis clients as redisext's public types name them: narrow interfaces of what the
 * library and its escape hatches promise, not node-redis' own types. Those (a client type with
 * every command of every Redis module) cost a TypeScript program that imports redisext about
 * 5 s and 300 MB of type checking (docs/architecture.md); naming only what is used keeps a
 * consumer's check close to what it is without redisext. At run time these are node-redis'
 * own objects, with every command: `import { nodeRedisClient } from 'redisext/node-redis'`
 * gives them their full node-redis types.
 *
 * @module
 */

/** Options passed to node-redis as they are (`ConnectionOptions.client`). */
export interface NodeRedisOptions {
  /** Protocol version: 3 (default) or 2. */
  readonly RESP?: 2 | 3;
  /** Socket options, merged field by field over ours. */
  readonly socket?: Readonly<Record<string, unknown>>;
  /** Any other node-redis client option (see node-redis' `RedisClientOptions`). */
  readonly [option: string]: unknown;
}

/**
 * A connected node-redis client (the escape hatch `Connection.client()`, the connection a
 * blocking operation gets). Run any command with `sendCommand`.
 */
export interface RedisClient {
  /** Sends one command (name first) and resolves to its reply. */
  sendCommand(args: ReadonlyArray<RedisArg>, options?: object): Promise<unknown>;
  /** A new client with the same options (not connected). */
  duplicate(): RedisClient;
  /** Connects a new client. */
  connect(): Promise<unknown>;
  /** Closes the connection after the replies already asked for. */
  close(): Promise<unknown>;
  /** Closes the connection at once (replies pending are rejected). */
  destroy(): void;
  /** Lets the process exit while the connection is open. */
  unref(): void;
  /** Listens to the client's events (`error`, `ready`, `end`, `reconnecting`...). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as EventEmitter types it
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Whether the socket is open. */
  readonly isOpen: boolean;
  /** Whether the connection is ready for commands. */
  readonly isReady: boolean;
}

/** A connected node-redis cluster client (the escape hatch `Connection.clusterClient()`). */
export interface RedisClusterClient {
  /**
   * Sends one command to the node that serves `firstKey` (a replica when `isReadonly` and
   * replicas are used), following `MOVED` and `ASK`.
   */
  sendCommand(
    firstKey: RedisArg | undefined,
    isReadonly: boolean | undefined,
    args: ReadonlyArray<RedisArg>,
    options?: object,
  ): Promise<unknown>;
  /** Whether the cluster client is open. */
  readonly isOpen: boolean;
}
