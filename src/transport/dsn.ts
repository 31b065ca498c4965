import { inspect } from 'node:util';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { DsnError } from '../core/errors.js';

/** TLS settings for a server: `true` for defaults (certificates verified), or Node's TLS options. */
export type TlsOptions =
  | boolean
  | Pick<
      TlsConnectionOptions,
      'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized' | 'passphrase' | 'minVersion'
    >;

/**
 * One Redis server, as an options object. Durations are milliseconds.
 *
 * @example
 * ```ts
 * const server: ServerOptions = { host: '10.0.0.5', port: 6380, db: 2, password: 's3cret' };
 * ```
 */
export interface ServerOptions {
  /**
   * A DSN to start from; the other fields override it (e.g. `{ url: 'rediss://h', tls: { ca } }`).
   */
  url?: string;
  /** Host name or IP address (IPv6 without brackets). Default `127.0.0.1`... set by the DSN. */
  host?: string;
  /** TCP port, default 6379. */
  port?: number;
  /** Unix socket path; replaces host and port. */
  path?: string;
  /** Database number, default 0. */
  db?: number;
  /** ACL user name (Redis 6+). */
  username?: string;
  /** Password (with or without `username`). Never printed. */
  password?: string;
  /** TLS: `true`, or certificate options. `rediss://` sets `true`. */
  tls?: TlsOptions;
  /** RESP protocol version, 2 or 3 (default 3). */
  protocol?: 2 | 3;
  /** How long connecting (TCP + handshake) may take, in ms. */
  connectTimeout?: number;
  /** How long the server may stay silent while commands wait for replies, in ms (0 = never give up). */
  commandTimeout?: number;
  /** Client name shown by `CLIENT LIST`. */
  name?: string;
}

/** A parsed, validated server description. `toString()` and `util.inspect` hide the password. */
export interface ParsedDsn extends Readonly<ServerOptions> {
  /** The scheme the DSN used (`redis`, `rediss`, `unix`, `valkey`, `valkeys`), or `options`. */
  readonly scheme: string;
  /** `host:port`, or the socket path: what error messages name. */
  readonly address: string;
  /** The DSN with the password replaced by `***`. */
  toString(): string;
}

const SCHEMES: Record<string, { tls: boolean; unix: boolean }> = {
  redis: { tls: false, unix: false },
  rediss: { tls: true, unix: false },
  valkey: { tls: false, unix: false },
  valkeys: { tls: true, unix: false },
  unix: { tls: false, unix: true },
  'redis+unix': { tls: false, unix: true },
};

/** Query options a DSN may carry, and the option each sets. */
const QUERY_OPTIONS: Record<string, keyof ServerOptions> = {
  db: 'db',
  protocol: 'protocol',
  timeout: 'connectTimeout',
  connect_timeout: 'connectTimeout',
  connectTimeout: 'connectTimeout',
  command_timeout: 'commandTimeout',
  commandTimeout: 'commandTimeout',
  name: 'name',
  client_name: 'name',
  clientName: 'name',
  username: 'username',
  user: 'username',
  password: 'password',
};

const REDACTED = '***';

function decode(part: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new DsnError(part, `bad percent-encoding in the ${part}`);
  }
}

function toInteger(part: string, text: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new DsnError(part, `${what} must be an integer, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new DsnError(part, `${what} ${value} is out of range (${min}-${max})`);
  }
  return value;
}

function checkOptions(options: ServerOptions): void {
  const { port, db, protocol, connectTimeout, commandTimeout } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new DsnError('port', `port ${String(port)} is out of range (1-65535)`);
  }
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) {
    throw new DsnError('db', `db must be a non-negative integer, got ${String(db)}`);
  }
  if (protocol !== undefined && protocol !== 2 && protocol !== 3) {
    throw new DsnError('option', `protocol must be 2 or 3, got ${String(protocol)}`);
  }
  for (const [name, value] of [
    ['connectTimeout', connectTimeout],
    ['commandTimeout', commandTimeout],
  ] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new DsnError('option', `${name} must be a non-negative number of ms`);
    }
  }
  if (options.path === undefined && options.host !== undefined && options.host.trim() === '') {
    throw new DsnError('host', 'the host is empty');
  }
}

function applyQuery(target: ServerOptions, query: string): void {
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode('option', eq < 0 ? pair : pair.slice(0, eq));
    const raw = decode('option', eq < 0 ? '' : pair.slice(eq + 1));
    const option = Object.hasOwn(QUERY_OPTIONS, name) ? QUERY_OPTIONS[name] : undefined;
    if (option === undefined) {
      const known = [...new Set(Object.keys(QUERY_OPTIONS))].join(', ');
      throw new DsnError('option', `unknown option "${name}" (known: ${known})`);
    }
    switch (option) {
      case 'db':
        target.db = toInteger('db', raw, 'db', 0, Number.MAX_SAFE_INTEGER);
        break;
      case 'protocol': {
        const version = raw.replace(/^resp/i, '');
        if (version !== '2' && version !== '3') {
          throw new DsnError('option', `protocol must be 2 or 3, got "${raw}"`);
        }
        target.protocol = version === '2' ? 2 : 3;
        break;
      }
      case 'connectTimeout':
      case 'commandTimeout':
        target[option] = toInteger('option', raw, name, 0, 2 ** 31 - 1);
        break;
      case 'name':
      case 'username':
      case 'password':
        target[option] = raw;
        break;
    }
  }
}

/** Splits `user:password` (both percent-encoded); a lone word is the password, as in redis-py. */
function applyUserinfo(target: ServerOptions, userinfo: string): void {
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    if (userinfo !== '') target.username = decode('userinfo', userinfo);
    return;
  }
  const user = userinfo.slice(0, colon);
  if (user !== '') target.username = decode('userinfo', user);
  target.password = decode('userinfo', userinfo.slice(colon + 1));
}

function parseHostPort(target: ServerOptions, hostport: string): void {
  let host: string;
  let port: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) throw new DsnError('host', 'unterminated IPv6 address (missing "]")');
    host = hostport.slice(1, close);
    const rest = hostport.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) {
      throw new DsnError('host', `unexpected "${rest}" after the IPv6 address`);
    }
    port = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = hostport.indexOf(':');
    if (colon >= 0 && hostport.indexOf(':', colon + 1) >= 0) {
      throw new DsnError('host', 'an IPv6 address must be written in brackets, e.g. [::1]');
    }
    host = colon < 0 ? hostport : hostport.slice(0, colon);
    port = colon < 0 ? undefined : hostport.slice(colon + 1);
  }
  host = decode('host', host);
  if (host === '') throw new DsnError('host', 'the host is empty');
  target.host = host;
  if (port !== undefined) {
    if (port === '') throw new DsnError('port', 'the port is empty');
    target.port = toInteger('port', port, 'port', 1, 65535);
  }
}

function parseDbPath(target: ServerOptions, path: string): void {
  const db = path.replace(/^\//, '').replace(/\/$/, '');
  if (db === '') return;
  target.db = toInteger('db', db, 'db (the path)', 0, Number.MAX_SAFE_INTEGER);
}

/** The printable DSN of a server, with the password (if any) replaced by `***`. */
function render(scheme: string, o: ServerOptions): string {
  const user = o.username === undefined ? '' : encodeURIComponent(o.username);
  const auth = o.password !== undefined ? `${user}:${REDACTED}@` : user !== '' ? `${user}@` : '';
  const query: string[] = [];
  if (o.protocol !== undefined) query.push(`protocol=${o.protocol}`);
  if (o.connectTimeout !== undefined) query.push(`connect_timeout=${o.connectTimeout}`);
  if (o.commandTimeout !== undefined) query.push(`command_timeout=${o.commandTimeout}`);
  if (o.name !== undefined) query.push(`name=${encodeURIComponent(o.name)}`);
  if (o.path !== undefined) {
    if (o.db) query.unshift(`db=${o.db}`);
    return `unix://${auth}${o.path}${query.length ? `?${query.join('&')}` : ''}`;
  }
  const host = o.host?.includes(':') ? `[${o.host}]` : (o.host ?? '');
  return `${scheme}://${auth}${host}:${o.port ?? 6379}/${o.db ?? 0}${query.length ? `?${query.join('&')}` : ''}`;
}

function finish(scheme: string, options: ServerOptions): ParsedDsn {
  checkOptions(options);
  const resolved: ServerOptions = { ...options };
  if (resolved.path === undefined) {
    resolved.host ??= '127.0.0.1';
    resolved.port ??= 6379;
  }
  resolved.db ??= 0;
  const address =
    resolved.path ??
    `${resolved.host!.includes(':') ? `[${resolved.host}]` : resolved.host}:${resolved.port}`;
  const printable = render(
    scheme === 'options' ? (resolved.tls ? 'rediss' : 'redis') : scheme,
    resolved,
  );
  const redacted = {
    ...resolved,
    password: resolved.password === undefined ? undefined : REDACTED,
  };
  const parsed = {
    ...resolved,
    scheme,
    address,
    toString: () => printable,
    toJSON: () => ({ ...redacted, scheme, address }),
    [inspect.custom]: () => `ParsedDsn(${printable})`,
  };
  // Keep the helpers out of spreads and Object.keys so the result still reads as plain options.
  for (const name of ['toString', 'toJSON', inspect.custom] as const) {
    Object.defineProperty(parsed, name, { enumerable: false });
  }
  Object.defineProperty(parsed, 'password', { enumerable: false });
  return Object.freeze(parsed) as ParsedDsn;
}

/**
 * Parses a connection string into validated server options.
 *
 * Accepted forms: `redis://[user[:password]@]host[:port][/db][?options]`, `rediss://` (TLS),
 * `valkey://` and `valkeys://` (aliases), `unix:///path/to.sock?db=N`. User and password are
 * percent-decoded; IPv6 hosts are written in brackets (`redis://[::1]:6379`). Defaults: port
 * 6379, db 0. Query options: `db`, `protocol` (2 or 3), `timeout`/`connect_timeout` (ms),
 * `command_timeout` (ms), `name` (client name), `username`, `password`.
 *
 * @throws {@link DsnError} naming the wrong part; the message never contains the password.
 *
 * @example
 * ```ts
 * parseDsn('redis://app:p%40ss@cache.local:6380/2?name=worker');
 * // { host: 'cache.local', port: 6380, db: 2, username: 'app', password: 'p@ss', name: 'worker', ... }
 * String(parseDsn('redis://app:p%40ss@cache.local:6380/2')); // 'redis://app:***@cache.local:6380/2'
 * ```
 */
export function parseDsn(dsn: string): ParsedDsn {
  if (typeof dsn !== 'string') throw new DsnError('scheme', 'a DSN must be a string');
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(dsn.trim());
  if (!match) {
    throw new DsnError('scheme', 'expected "<scheme>://...", e.g. redis://localhost:6379/0');
  }
  const scheme = match[1].toLowerCase();
  const kind = SCHEMES[scheme];
  if (!kind) {
    throw new DsnError(
      'scheme',
      `unsupported scheme "${scheme}" (use redis, rediss, valkey, valkeys or unix)`,
    );
  }
  let rest = match[2];
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const query = q >= 0 ? rest.slice(q + 1) : '';
  const beforeQuery = q >= 0 ? rest.slice(0, q) : rest;
  const at = beforeQuery.lastIndexOf('@');
  const options: ServerOptions = {};
  if (at >= 0) applyUserinfo(options, beforeQuery.slice(0, at));
  const location = beforeQuery.slice(at + 1);

  if (kind.unix) {
    if (!location.startsWith('/') || location.length < 2) {
      throw new DsnError('path', 'a unix DSN needs an absolute socket path: unix:///path/to.sock');
    }
    options.path = decode('path', location);
  } else {
    const slash = location.indexOf('/');
    parseHostPort(options, slash < 0 ? location : location.slice(0, slash));
    if (slash >= 0) parseDbPath(options, location.slice(slash));
    if (kind.tls) options.tls = true;
  }
  applyQuery(options, query);
  return finish(scheme, options);
}

/**
 * Validates a server given as a DSN or an options object and fills in the defaults.
 * @throws {@link DsnError}
 */
export function resolveServer(server: string | ServerOptions): ParsedDsn {
  if (typeof server === 'string') return parseDsn(server);
  if (server === null || typeof server !== 'object') {
    throw new DsnError('scheme', 'a server must be a DSN string or an options object');
  }
  if ('scheme' in server && 'address' in server) return server as ParsedDsn;
  const { url, ...rest } = server;
  if (url === undefined) return finish('options', rest);
  const base = parseDsn(url);
  const merged: ServerOptions = { ...base, password: base.password, ...rest };
  if (base.tls && rest.tls === undefined) merged.tls = base.tls;
  return finish(base.scheme, merged);
}

/** Replaces every occurrence of a secret in a text by `***` (for messages of foreign errors). */
export function redact(text: string, ...secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join(REDACTED);
  }
  return out;
}
