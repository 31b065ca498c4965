// The fault suite's near-cache tools: another process writing, the staleness check, a proxy
// that delays the tracking connection, the tracking connections in CLIENT LIST.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** The wall clock in ms, comparable between processes of this machine (sub-ms precision). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The `id=` of the CLIENT LIST lines whose flags include `t` (client tracking on). */
export function trackingIds(clientList: string): string[] {
  return clientList
    .split('\n')
    .filter((line) => / flags=\w*t/.test(line))
    .map((line) => /(?:^| )id=(\d+)/.exec(line)?.[1] ?? '?');
}

/** The writer process's program: INCR `key` about once a millisecond, recording each ack. */
const WRITER = `
const [redis, url, key, ms] = process.argv.slice(1);
const { createClient } = await import(redis);
const client = createClient({ url });
await client.connect();
const acks = [];
const end = performance.now() + Number(ms);
while (performance.now() < end) {
  const value = await client.incr(key);
  acks.push([value, performance.timeOrigin + performance.now()]);
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await client.close();
process.stdout.write(JSON.stringify(acks));
`;

/** One acknowledged increment: the value the server returned and when (wall clock, ms). */
export type Ack = [value: number, at: number];

/**
 * Starts another Node process (plain node-redis, no near cache) that increments `key` on `url`
 * for `ms` milliseconds and resolves with its acknowledged values and their ack times.
 */
export function incrementElsewhere(url: string, key: string, ms: number): Promise<Ack[]> {
  const redis = import.meta.resolve('redis');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', WRITER, '--', redis, url, key, String(ms)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Ack[]) : reject(new Error(`writer: ${code} ${err}`)),
    );
  });
}

/** One near-cached read: when it began (wall clock, ms) and the value it returned. */
export type Read = [start: number, value: number];

/** What {@link staleness} found. */
export interface Staleness {
  /** Reads that returned a value older than one acknowledged before they began. */
  readonly stale: number;
  /**
   * The worst delay: for a stale read, how long before it began the first write it missed had
   * been acknowledged (ms); 0 when no read was stale.
   */
  readonly worstMs: number;
}

/**
 * The no-stale-read check. Values are consecutive (INCR from 1), so the write a read returning
 * `v` missed first is `v + 1`: the read is stale when that write's ack came before the read
 * began, and its delay is the time between the two. Every invalidation-based cache has such a
 * window (the push travels after the ack); the test bounds it.
 */
export function staleness(acks: Ack[], reads: Read[]): Staleness {
  const ackAt = new globalThis.Map(acks);
  let stale = 0;
  let worstMs = 0;
  for (const [start, value] of reads) {
    const missed = ackAt.get(value + 1);
    if (missed !== undefined && missed < start) {
      stale += 1;
      worstMs = Math.max(worstMs, start - missed);
    }
  }
  return { stale, worstMs };
}

/** A loopback proxy that delays what the server sends on client-tracking connections. */
export interface TrackingDelayProxy {
  /** `redis://127.0.0.1:<port>`: the address to give the Connection. */
  readonly url: string;
  /** Tracking connections seen (those that sent `CLIENT TRACKING`). */
  readonly tracking: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of `port` that passes everything through, except that what the
 * server sends on a connection that asked for `CLIENT TRACKING` reaches the client `delayMs`
 * late (in order): invalidation pushes and the replies of the reads made on it. The other
 * connections (the writes) are not delayed, so a write's reply comes before its push.
 */
export async function trackingDelayProxy(
  port: number,
  delayMs: number,
): Promise<TrackingDelayProxy> {
  let tracking = 0;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let delayed = false;
    let last = 0;
    client.on('data', (chunk: Buffer) => {
      if (!delayed && /tracking/i.test(chunk.toString('latin1'))) {
        delayed = true;
        tracking += 1;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!delayed) return void client.write(chunk);
      const at = Math.max(Date.now() + delayMs, last);
      last = at;
      setTimeout(() => client.writable && client.write(chunk), at - Date.now());
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', () => {
        sockets.delete(socket);
        end();
      });
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${address.port}`,
    get tracking() {
      return tracking;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}
