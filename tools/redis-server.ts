import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A redis-server process this test run started (or the one REDIS_URL names). */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` (db 0). */
  readonly url: string;
  /** True when the suite started this server (it may flush and stop it). */
  readonly owned: boolean;
  /** Stops the server (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Sends a signal (e.g. SIGKILL to simulate a crash, SIGSTOP to freeze it). */
  signal(signal: NodeJS.Signals): void;
  /**
   * Starts the server again on the same port, with the same arguments and the same data
   * directory (so it reloads its AOF or RDB file), and waits for PING. A server still running is
   * killed first (SIGKILL: a crash, nothing flushed beyond what its fsync policy wrote).
   */
  restart(): Promise<void>;
}

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let checked = false;

/** Fails at once, with an install hint, when redis-server is not installed. */
export function requireRedisServer(binary = 'redis-server'): void {
  if (checked) return;
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${binary} was not found. The tests spawn real Redis servers. Install it:\n` +
        '  Debian/Ubuntu: sudo apt-get install -y redis-server\n' +
        '  macOS:         brew install redis\n' +
        'or set REDIS_URL to a server the tests may write to (other topologies still need the binary).',
    );
  }
  checked = true;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const taken = new Set<number>();

/** A free loopback port whose +10000 neighbour (cluster bus) is free too. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 35000);
    if (taken.has(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

/** Sends one inline command once `socket` is ready (`ready` event) and resolves the first reply line. */
function firstLine(socket: net.Socket, ready: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on(ready, () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        socket.end();
        resolve(data.split('\r\n')[0]);
      }
    });
    socket.on('error', reject);
  });
}

/** Sends one inline command over a raw socket and returns the first reply line. */
export function rawCommand(port: number, command: string, host = '127.0.0.1'): Promise<string> {
  return firstLine(net.connect(port, host), 'connect', command);
}

/** Options for {@link startServer}. */
export interface StartOptions {
  /** Extra redis-server arguments, e.g. ['--replicaof', '127.0.0.1', '6379']. */
  args?: string[];
  /** Port to use (default: a free one). */
  port?: number;
  /** The binary (redis-server, or redis-sentinel...). */
  binary?: string;
  /** A config file's text, passed as the first argument (sentinel needs one). */
  config?: string;
  /** Serve TLS only, on the port, with these PEM files (paths). */
  tls?: { cert: string; key: string; ca: string };
  /** Start in sentinel mode (`--sentinel`; needs `config`); only port, dir and logfile are passed. */
  sentinel?: boolean;
}

/** PINGs a TLS port, trusting `ca`. */
function tlsPing(port: number, ca: string): Promise<string> {
  const options = { port, host: '127.0.0.1', ca: readFileSync(ca), servername: 'localhost' };
  return firstLine(tls.connect(options), 'secureConnect', 'PING');
}

/** Spawns a throwaway redis-server on a free loopback port, in a temp dir, and waits for PING. */
export async function startServer(options: StartOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  if (options.port === undefined) {
    // Another process may take the free port before the server binds it: try new ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await startServer({ ...options, port: await freePort() });
      } catch (error) {
        if (attempt >= 3 || !String(error).includes('exited at start')) throw error;
      }
    }
  }
  const port = options.port;
  const dir = mkdtempSync(join(tmpdir(), 'redisext-test-'));
  dirs.add(dir);
  const log = join(dir, 'redis.log');
  const listen = options.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.cert]
        .concat(['--tls-key-file', options.tls.key, '--tls-ca-cert-file', options.tls.ca])
        .concat(['--tls-auth-clients', 'no'])
    : ['--port', String(port)];
  const args = options.sentinel
    ? ['--sentinel', '--port', String(port), '--dir', dir, '--logfile', log]
    : [...listen, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'].concat([
        '--daemonize',
        'no',
        '--protected-mode',
        'no',
        '--logfile',
        log,
      ]);
  args.push(...(options.args ?? []));
  if (options.config !== undefined) {
    const file = join(dir, 'redis.conf');
    writeFileSync(file, options.config);
    args.unshift(file);
  }
  /** The running process, and whether it exited (a restart replaces both). */
  let current = await launch(options, args, port);
  return {
    host: '127.0.0.1',
    port,
    url: `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    owned: true,
    signal(signal) {
      current.child.kill(signal);
    },
    async restart() {
      const { child } = current;
      if (!current.exited()) {
        const done = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await done;
      }
      current = await launch(options, args, port);
    },
    async stop() {
      const { child } = current;
      if (current.exited()) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(forced);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
}

/** A spawned server process, and whether it has exited. */
interface Launched {
  readonly child: ChildProcess;
  exited(): boolean;
}

/** Spawns the server with `args` and waits until it answers PING on `port` (10 s at most). */
async function launch(options: StartOptions, args: string[], port: number): Promise<Launched> {
  const child = spawn(options.binary ?? 'redis-server', args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  child.once('exit', () => {
    exited = true;
    children.delete(child);
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`redis-server exited at start (port ${port}): ${stderr}`);
    try {
      const pong = options.tls
        ? await tlsPing(port, options.tls.ca)
        : await rawCommand(port, 'PING');
      if (pong === '+PONG') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
    }
    await sleep(20);
  }
  return { child, exited: () => exited };
}

/** The server REDIS_URL names (not owned: tests never flush or stop it). */
export function externalServer(url: string): RedisServer {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    url,
    owned: false,
    signal() {
      throw new Error('cannot signal an external server');
    },
    async restart() {
      throw new Error('cannot restart an external server');
    },
    async stop() {
      // not ours
    },
  };
}
