import type { Command } from '../core/command.js';
import type { Executor } from '../core/executor.js';
import type { Endpoint, RedisClient } from '../transport/endpoint.js';
import type { Topology } from '../transport/topology.js';

/**
 * The read phase of an optimistic transaction: model operations run at once on the connection
 * that holds the WATCH, always on the master. Put models in it with `model.in(tx)`.
 */
export class WatchSession implements Executor {
  /** Not a batch: operations run at once and return real promises. @internal */
  readonly queues = false;
  /** Traces name its operations `'watch'`. */
  readonly kind = 'watch';

  /** @internal */
  constructor(
    /** @internal */
    readonly router: Topology,
    /** @internal */
    readonly endpoint: Endpoint,
    /** @internal */
    readonly client: RedisClient,
    /** On a cluster node importing the keys' slot: `ASKING` goes before each command. @internal */
    readonly asking = false,
  ) {}

  /** Runs a model's command on the watching connection. @internal */
  run<R>(command: Command<R>): Promise<R> {
    if (this.asking) void this.client.sendCommand(['ASKING']).catch(() => undefined);
    return this.endpoint.execOn(this.client, command);
  }
}
