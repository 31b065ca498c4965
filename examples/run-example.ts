/**
 * What every example does when it is run on its own (`node build/examples/<name>.js`): use
 * REDIS_URL, or spawn a throwaway redis-server; give the example a Connection to it; close and
 * stop everything afterwards. Imported by an example, it does nothing unless that example's file
 * is the one node was started with.
 */
import { pathToFileURL } from 'node:url';
import { Connection } from '../src/index.js';
import { startServer } from '../tools/redis-server.js';

/**
 * Runs `body` with a Connection when the module at `moduleUrl` (the example's `import.meta.url`)
 * is the program node runs; prints what `body` returns.
 */
export function runExample(
  moduleUrl: string,
  body: (main: typeof Connection) => Promise<unknown>,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const run = async (): Promise<void> => {
    const server = process.env.REDIS_URL ? undefined : await startServer();
    const url = process.env.REDIS_URL ?? server!.url;
    class Main extends Connection {
      static override MASTER = url;
    }
    try {
      console.log(await body(Main));
    } finally {
      await Main.close();
      await server?.stop();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

/**
 * Runs `body` when the module at `moduleUrl` is the program node runs, on servers the user names
 * (a cluster, a Sentinel group: `connect` reads them from the environment and returns a
 * Connection class, or undefined when they are not set, and then `missing` is printed and the
 * exit code is 2); prints what `body` returns, closes the Connection.
 */
export function runOnNamedServers(
  moduleUrl: string,
  connect: () => typeof Connection | undefined,
  missing: string,
  body: (main: typeof Connection) => Promise<unknown>,
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const main = connect();
  if (main === undefined) {
    console.error(missing);
    process.exitCode = 2;
    return;
  }
  const run = async (): Promise<void> => {
    try {
      console.dir(await body(main), { depth: 4 });
    } finally {
      await main.close();
    }
  };
  run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
