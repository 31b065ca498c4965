import { resolveServer, type ParsedDsn } from './dsn.js';
import { Endpoint } from './endpoint.js';
import type { ResolvedOptions } from './options.js';

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
  ) {}

  /** The endpoint of the node at `address` (`host:port`, `[v6]:port`), made on first use. */
  at(address: string): Endpoint {
    let endpoint = this.#nodes.get(address);
    if (endpoint === undefined) {
      const colon = address.lastIndexOf(':');
      const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
      const port = Number(address.slice(colon + 1));
      const server = resolveServer({ ...this.#settings(), host, port });
      endpoint = new Endpoint(server, this.options, true);
      this.#nodes.set(address, endpoint);
    }
    return endpoint;
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

  /** Closes every endpoint. */
  async close(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((node) => node.close()));
  }
}
