import net from 'node:net';

/**
 * A loopback TCP proxy in front of a Redis server that counts request phases: a phase starts
 * each time the client sends after the server has answered. A pipeline is one phase; N commands
 * awaited one after another are N phases. Used to prove "one round trip" without timing.
 */
export interface CountingProxy {
  readonly port: number;
  readonly url: string;
  /** Request phases since the last reset(). */
  readonly phases: number;
  /** Connections accepted since start. */
  readonly connections: number;
  reset(): void;
  /**
   * Holds what the server sends (a black hole towards the client) until `hold(false)`, which
   * delivers it all: what a lost network does to a reply already written.
   */
  hold(on: boolean): void;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  let phases = 0;
  let connections = 0;
  let last: 'client' | 'server' = 'server';
  let holding = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (last !== 'client') phases++;
      last = 'client';
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      last = 'server';
      if (holding) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get phases() {
      return phases;
    },
    get connections() {
      return connections;
    },
    reset() {
      phases = 0;
      last = 'server';
    },
    hold(on: boolean) {
      holding = on;
      if (!on) for (const deliver of held.splice(0)) deliver();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
