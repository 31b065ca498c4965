import { Connection, type ConnectionOptions } from '../src/index.js';

/**
 * A redisext Connection class of its own on the bench server, its clients named `name` in
 * `CLIENT LIST` (so a section's connections can be counted), connected before it is returned.
 */
export async function namedConnection(
  url: string,
  name: string,
  options?: ConnectionOptions,
): Promise<typeof Connection> {
  const dsn = new URL(url);
  dsn.searchParams.set('name', name);
  const connection = class NamedConnection extends Connection {
    static override MASTER = dsn.toString();
    static override OPTIONS = options;
  };
  await connection.client();
  return connection;
}
