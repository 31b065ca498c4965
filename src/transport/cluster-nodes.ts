import type { ErrorContext } from '../core/errors.js';
import { followDedicated, type Following } from './follow.js';
import { resolveServer, type ParsedDsn } from './dsn.js';
import { Endpoint, type RedisClient } from './endpoint.js';
import type { ResolvedOptions } from './options.js';
import type { Lease } from './topology.js';
import type { TrackHooks } from './open-client.js';

/** How a dedicated connection is taken on a cluster node. */
export interface DedicatedUse {
  readonly signal?: AbortSignal;
  readonly context?: ErrorContext;
  readonly lease?: Lease;
}

/**
 * Our own endpoints on a cluster's nodes, one per `host:port`, for what node-redis' cluster
 * client does not offer: dedicated connections (blocking commands, WATCH) and transactions
 * that report each queued command's refusal. Each node gets the first seed's settings.
 *
 * @internal
 */
export class ClusterNodes {
  readonly #nodes = new Map<string, Endpoint>();

  constructor(
    private readonly seed: ParsedDsn,
    private readonly options: ResolvedOptions,
    /** Tracking connections (near cache): each node's endpoint gets these hooks. */
    private readonly track?: () => TrackHooks,
  ) {}

  /** The endpoint of the node at `address` (`host:port`, `[v6]:port`), made on first use. */
  at(address: string): Endpoint {
    let endpoint = this.#nodes.get(address);
    if (endpoint === undefined) {
      const colon = address.lastIndexOf(':');
      const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
      const port = Number(address.slice(colon + 1));
      const server = resolveServer({ ...this.#settings(), host, port });
      endpoint = new Endpoint(server, this.options, true, undefined, undefined, this.track?.());
      this.#nodes.set(address, endpoint);
    }
    return endpoint;
  }

  /**
   * Runs `fn` on a dedicated connection to the node `masterOf` names (or `lease.address`). A
   * connection that could not be opened (`fn` has not started: nothing was sent) is tried again
   * after a slot refresh, on the master the map names then, as `follow` allows; a failure once
   * `fn` runs refreshes the map (when a lost node explains it) and is thrown.
   */
  dedicated<T>(
    masterOf: () => Promise<string>,
    fn: (client: RedisClient, endpoint: Endpoint) => Promise<T>,
    use: DedicatedUse,
    how: Omit<Following, 'retriable'>,
  ): Promise<T> {
    const { signal, context, lease } = use;
    return followDedicated<RedisClient, T>(
      async (started) => {
        const node = this.at(lease?.address ?? (await masterOf()));
        return node.blocking(
          started((client) => fn(client, node)),
          signal,
          context,
          lease?.watched,
        );
      },
      how,
      () => lease?.address === undefined && signal?.aborted !== true,
    );
  }

  /** The seed's settings without its address. */
  #settings(): Record<string, unknown> {
    const {
      host: _h,
      port: _p,
      path: _path,
      scheme: _s,
      address: _a,
      ...rest
    } = this.seed as unknown as Record<string, unknown>;
    return { ...rest, password: this.seed.password };
  }

  /** The endpoints made so far. */
  endpoints(): Iterable<Endpoint> {
    return this.#nodes.values();
  }

  /** Closes every endpoint. */
  async close(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((node) => node.close()));
  }
}
