import { inspect } from 'node:util';
import { ConfigError, DsnError } from '../errors.js';
import { resolveServer, type ParsedDsn, type ServerOptions } from './dsn.js';
import type { RedisClient } from './endpoint.js';
import { resolveOptions, type ConnectionOptions } from './options.js';
import { Router } from './router.js';

/** A server given as a DSN string or an options object. */
export type ServerSpec = string | ServerOptions;

const routers = new WeakMap<typeof Connection, Router>();
const byDsn = new globalThis.Map<string, typeof Connection>();

/**
 * Where models keep their data. Subclass it and set static fields; nothing connects until the
 * first command, then one client per role (master, each replica) is shared by every model of
 * this class.
 *
 * @example
 * ```ts
 * class Main extends Connection {
 *   static MASTER = 'redis://127.0.0.1:6379/0';
 *   static SLAVE = 'redis://127.0.0.1:6380/0'; // optional: reads go here
 * }
 * // ...
 * await Main.close();
 * ```
 */
export class Connection {
  /** The master: a DSN or options. Writes go here (and reads, without `SLAVE`). */
  static MASTER?: ServerSpec;
  /** Replicas for reads: one or several, round-robin; a replica that fails is skipped. */
  static SLAVE?: ServerSpec | readonly ServerSpec[];
  /**
   * `true` (default): connect lazily and share one client per role. `false`: every command (or
   * batch) opens a connection and closes it afterwards.
   */
  static REUSE = true;
  /** Timeouts, reconnects and raw node-redis options; see {@link ConnectionOptions}. */
  static OPTIONS?: ConnectionOptions;

  /**
   * The router of this class (created on first use, opens nothing by itself).
   * @internal
   */
  static router(): Router {
    let router = routers.get(this);
    if (router === undefined) {
      router = createRouter(this);
      routers.set(this, router);
    }
    return router;
  }

  /** The parsed master server (password hidden when printed). */
  static get server(): ParsedDsn {
    return this.router().master.server;
  }

  /**
   * The node-redis client of a role, connected: the escape hatch for commands no model offers.
   * Do not close it: {@link Connection.close} does. With `REUSE = false` it is still the
   * shared client of that role, opened on demand.
   *
   * @example
   * ```ts
   * const client = await Main.client();
   * await client.sendCommand(['OBJECT', 'ENCODING', 'site']);
   * ```
   */
  static async client(role: 'master' | 'replica' = 'master'): Promise<RedisClient> {
    const router = this.router();
    const endpoint = role === 'replica' ? (router.replica() ?? router.master) : router.master;
    return endpoint.client();
  }

  /** Closes every client of this class. Models keep working: the next command reconnects. */
  static async close(): Promise<void> {
    const router = routers.get(this);
    if (router) await router.close();
  }

  /** `await using` support: closes the clients. */
  static async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Printing a Connection class never shows a password. */
  static [inspect.custom](): string {
    const describe = (spec: ServerSpec | undefined): string => {
      if (spec === undefined) return 'unset';
      try {
        return String(resolveServer(spec));
      } catch (error) {
        return error instanceof DsnError ? `<invalid: ${error.part}>` : '<invalid>';
      }
    };
    const slave = this.SLAVE;
    const slaves = slave === undefined ? [] : Array.isArray(slave) ? slave : [slave as ServerSpec];
    const parts = [`MASTER: ${describe(this.MASTER)}`];
    if (slaves.length) parts.push(`SLAVE: [${slaves.map(describe).join(', ')}]`);
    return `[Connection ${this.name}] { ${parts.join(', ')} }`;
  }

  /** The Connection class for a model whose `CONNECTION` is a DSN string (one per DSN). */
  static forDsn(dsn: string): typeof Connection {
    let connection = byDsn.get(dsn);
    if (connection === undefined) {
      const server = resolveServer(dsn);
      connection = class extends Connection {
        static override MASTER = dsn;
      };
      Object.defineProperty(connection, 'name', { value: `Connection(${String(server)})` });
      byDsn.set(dsn, connection);
    }
    return connection;
  }

  /** Closes the clients of every Connection made from a DSN string by {@link Connection.forDsn}. */
  static async closeDsnConnections(): Promise<void> {
    await Promise.all([...byDsn.values()].map((connection) => connection.close()));
  }
}

function createRouter(connection: typeof Connection): Router {
  if (connection.MASTER === undefined) {
    throw new ConfigError(
      `${connection.name} has no MASTER: set static MASTER to a DSN or options`,
    );
  }
  const master = resolveServer(connection.MASTER);
  const slave = connection.SLAVE;
  const replicas = (slave === undefined ? [] : Array.isArray(slave) ? slave : [slave]).map(
    (spec: ServerSpec) => resolveServer(spec),
  );
  return new Router(
    master,
    replicas,
    resolveOptions(connection.OPTIONS),
    connection.REUSE !== false,
  );
}
