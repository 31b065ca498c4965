import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisServer } from '../../tools/redis-server.js';
import { once, spawnServer } from './topology.js';

/** PEM material made for this run: a CA, a server certificate for localhost/127.0.0.1, and an unrelated CA. */
export interface Certificates {
  readonly ca: string;
  readonly otherCa: string;
  readonly dir: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** Generates the certificates with the openssl command line. */
export function certificates(): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'redisext-tls-'));
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=redisext test CA',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'other.key',
      '-out',
      'other.crt',
      '-days',
      '2',
      '-subj',
      '/CN=someone else',
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=localhost',
    ],
    dir,
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.crt',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    ],
    dir,
  );
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    otherCa: readFileSync(join(dir, 'other.crt'), 'utf8'),
  };
}

/**
 * True when the installed redis-server was built with TLS: a build without it refuses
 * `--tls-port` at start; a build with it keeps running (and is stopped by the timeout).
 */
export function redisSupportsTls(): boolean {
  try {
    execFileSync(
      'redis-server',
      ['--port', '0', '--tls-port', '0', '--save', '', '--loglevel', 'warning'],
      {
        stdio: 'pipe',
        timeout: 700,
      },
    );
    return true;
  } catch (error) {
    const failure = error as { signal?: string; stderr?: Buffer; stdout?: Buffer };
    if (failure.signal) return true;
    return !/tls|ssl/i.test(`${failure.stderr ?? ''}${failure.stdout ?? ''}`);
  }
}

/** A TLS-only redis-server using certificates made for this run. */
export function tlsServer(): Promise<{ server: RedisServer; certs: Certificates }> {
  return once('tls', async () => {
    const certs = certificates();
    const server = await spawnServer([], {
      tls: {
        cert: join(certs.dir, 'server.crt'),
        key: join(certs.dir, 'server.key'),
        ca: join(certs.dir, 'ca.crt'),
      },
    });
    return { server, certs };
  });
}
