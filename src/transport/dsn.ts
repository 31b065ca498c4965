import { inspect } from 'node:util';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { DsnError } from '../core/errors.js';
import { MAX_LANES } from './lanes.js';

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
  /** Host name or IP address (IPv6 without brackets), default `127.0.0.1`. */
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
  /** TLS: `true`, or certificate options. `rediss://` and `valkeys://` set `true`. */
  tls?: TlsOptions;
  /** RESP protocol version, 2 or 3 (default 3). */
  protocol?: 2 | 3;
  /** How long connecting (TCP + handshake) may take, in ms. */
  connectTimeout?: number;
  /** How long the server may stay silent while commands wait for replies, in ms (0 = never give up). */
  commandTimeout?: number;
  /** Client name shown by `CLIENT LIST`. */
  name?: string;
  /** Shared connections to this server, 1 to 16; wins over `ConnectionOptions.lanes`. */
  lanes?: number;
}

/** A parsed, validated server description. `toString()` and `util.inspect` hide the password. */
export interface ParsedDsn extends Readonly<ServerOptions> {
  /** The DSN's scheme (`redis`, `rediss`, `valkey`, `valkeys`, `unix`, `redis+unix`), or `options`. */
  readonly scheme: string;
  /** `host:port`, or the socket path: what error messages name. */
  readonly address: string;
  /** The DSN with the password replaced by `***`. */
  toString(): string;
}

/** The schemes a DSN may use; of them, those that mean TLS and those that mean a unix socket. */
const SCHEMES = ['redis', 'rediss', 'valkey', 'valkeys', 'unix', 'redis+unix'];
const TLS_SCHEMES = ['rediss', 'valkeys'];
const UNIX_SCHEMES = ['unix', 'redis+unix'];

/** Query options a DSN may carry, and the option each sets (one line per option). */
// prettier-ignore
const QUERY_OPTIONS: Record<string, keyof ServerOptions> = {
  db: 'db',
  protocol: 'protocol',
  timeout: 'connectTimeout', connect_timeout: 'connectTimeout', connectTimeout: 'connectTimeout',
  command_timeout: 'commandTimeout', commandTimeout: 'commandTimeout',
  name: 'name', client_name: 'name', clientName: 'name',
  username: 'username', user: 'username',
  password: 'password',
  lanes: 'lanes',
};
const UNKNOWN_OPTION = `unknown query option (known: ${Object.keys(QUERY_OPTIONS).join(', ')})`;

const EXPECTED_SCHEME = `expected ${SCHEMES.join('://, ')}://, e.g. redis://localhost:6379/0`;
const REDACTED = '***';
const PORT_RANGE = 'port must be an integer from 1 to 65535';
const ENCODE_HINT = 'percent-encode any "?", "#" or "/" in the user name or password';
const UNIX_FORM = 'a unix DSN needs an absolute socket path: unix:///path/to.sock';

/**
 * Makes the error for a wrong part. Messages say what is wrong and never quote the DSN: any of
 * its text may be a piece of a password that an unencoded `?`, `#` or `/` cut off.
 */
type Fail = (part: string, message: string) => DsnError;
const plainFail: Fail = (part, message) => new DsnError(part, message);

function decode(part: string, text: string, fail: Fail): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw fail(part, `bad percent-encoding in the ${part}`);
  }
}

/** Checks what the types cannot say (ranges, integers), for DSNs and options objects alike. */
function checkOptions(options: ServerOptions, fail: Fail): void {
  const { port, db, protocol, connectTimeout, commandTimeout } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw fail('port', PORT_RANGE);
  }
  if (db !== undefined && (!Number.isSafeInteger(db) || db < 0)) {
    throw fail('db', 'db must be a non-negative integer');
  }
  if (protocol !== undefined && protocol !== 2 && protocol !== 3) {
    throw fail('option', 'protocol must be 2 or 3');
  }
  const lanes = options.lanes;
  if (lanes !== undefined && !(Number.isInteger(lanes) && lanes >= 1 && lanes <= MAX_LANES)) {
    throw fail('option', `lanes must be an integer from 1 to ${MAX_LANES}`);
  }
  for (const [name, ms] of Object.entries({ connectTimeout, commandTimeout })) {
    // Node's timers cannot wait longer than 2^31-1 ms: they would fire at once.
    if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && ms <= 2 ** 31 - 1)) {
      throw fail('option', `${name} must be a number of ms from 0 to 2147483647`);
    }
  }
  if (options.path === undefined && options.host !== undefined && options.host.trim() === '') {
    throw fail('host', 'the host is empty');
  }
  if (options.path !== undefined && options.path.trim() === '') {
    throw fail('path', 'the socket path is empty');
  }
}

/** Sets an option from its decoded DSN text, checked at once: `?db=` cannot hide a bad db path. */
function setOption(target: ServerOptions, option: keyof ServerOptions, text: string, fail: Fail) {
  const digits = option === 'protocol' ? text.replace(/^resp/i, '') : text;
  const number = /^\d+$/.test(digits) ? Number(digits) : NaN;
  const value = ['name', 'username', 'password'].includes(option) ? text : number;
  checkOptions({ [option]: value }, fail);
  Object.assign(target, { [option]: value });
}

/** Applies `?name=value&...` (`url.search`); both are percent-decoded, and `+` stays a plus. */
function applyQuery(target: ServerOptions, search: string, fail: Fail): void {
  for (const pair of search.slice(1).split('&').filter(Boolean)) {
    const [, rawName, value] = /^([^=]*)=?(.*)$/s.exec(pair)!;
    const name = decode('option', rawName, fail);
    if (!Object.hasOwn(QUERY_OPTIONS, name)) throw fail('option', UNKNOWN_OPTION);
    setOption(target, QUERY_OPTIONS[name], decode('option', value, fail), fail);
  }
}

/** Says why `URL` refused a `host[:port]`, which its TypeError ("Invalid URL") does not say. */
function explain(hostport: string, fail: Fail): DsnError {
  const close = hostport.startsWith('[') ? hostport.indexOf(']') : 0;
  const colon = hostport.indexOf(':', Math.max(close, 0));
  if (close < 0 || (close === 0 && colon !== hostport.lastIndexOf(':'))) {
    return fail('host', 'an IPv6 address must be written in brackets, e.g. [::1]');
  }
  if (colon === 0 || hostport === '') return fail('host', 'the host is empty');
  const port = hostport.slice(colon + 1);
  if (colon > 0 && !(/^\d+$/.test(port) && Number(port) <= 65535)) return fail('port', PORT_RANGE);
  if (close > 0) return fail('host', 'the IPv6 address in brackets, or what follows, is not valid');
  return fail('host', 'the host has a character that no host name may have');
}

/** The printable DSN of a server, with the password (if any) replaced by `***`. */
function render(scheme: string, o: ServerOptions): string {
  const user = o.username === undefined ? '' : encodeURIComponent(o.username);
  const auth = o.password !== undefined ? `${user}:${REDACTED}@` : user !== '' ? `${user}@` : '';
  const query: string[] = [];
  if (o.path !== undefined && o.db) query.push(`db=${o.db}`);
  if (o.protocol !== undefined) query.push(`protocol=${o.protocol}`);
  if (o.connectTimeout !== undefined) query.push(`connect_timeout=${o.connectTimeout}`);
  if (o.commandTimeout !== undefined) query.push(`command_timeout=${o.commandTimeout}`);
  if (o.name !== undefined) query.push(`name=${encodeURIComponent(o.name)}`);
  if (o.lanes !== undefined) query.push(`lanes=${o.lanes}`);
  const search = query.length ? `?${query.join('&')}` : '';
  // Each path segment encoded: URL would drop a trailing control character, cut at "?"...
  const path = o.path?.split('/').map(encodeURIComponent).join('/');
  if (path !== undefined) return `unix://${auth}${path}${search}`;
  const host = o.host?.includes(':') ? `[${o.host}]` : (o.host ?? '');
  return `${scheme}://${auth}${host}:${o.port ?? 6379}/${o.db ?? 0}${search}`;
}

function finish(scheme: string, options: ServerOptions, fail: Fail = plainFail): ParsedDsn {
  checkOptions(options, fail);
  const resolved: ServerOptions = { ...options };
  if (resolved.path === undefined) {
    resolved.host ??= '127.0.0.1';
    resolved.port ??= 6379;
  }
  resolved.db ??= 0;
  const host = resolved.host?.includes(':') ? `[${resolved.host}]` : resolved.host;
  const address = resolved.path ?? `${host}:${resolved.port}`;
  const shown = scheme === 'options' ? (resolved.tls ? 'rediss' : 'redis') : scheme;
  const printable = render(shown, resolved);
  const password = resolved.password === undefined ? undefined : REDACTED;
  // The helpers and the password are not enumerable: spreads and Object.keys see plain options.
  return Object.freeze(
    Object.defineProperties({ ...resolved, scheme, address } as ParsedDsn, {
      password: { enumerable: false },
      toString: { value: () => printable },
      toJSON: { value: () => ({ ...resolved, password, scheme, address }) },
      [inspect.custom]: { value: () => `ParsedDsn(${printable})` },
    }),
  );
}

/**
 * Parses a connection string into validated server options, with the WHATWG `URL` parser.
 *
 * Accepted forms: `redis://[user[:password]@]host[:port][/db][?options]`, `rediss://` (TLS),
 * `valkey://` and `valkeys://` (aliases), `unix:///path/to.sock?db=N` (also `unix:/path/to.sock`
 * and `unix://[user[:password]@]/path/to.sock`). User and password are percent-decoded; a lone
 * word before `@` is the user name. IPv6 hosts go in brackets (`redis://[::1]:6379`). Defaults:
 * port 6379, db 0. Query options: `db`, `protocol` (2 or 3), `timeout`/`connect_timeout` (ms),
 * `command_timeout` (ms), `name` (client name), `username`, `password`, `lanes` (shared
 * connections, 1 to 16; see `ConnectionOptions.lanes`). A `#` is refused: in a
 * DSN it can only be a password's `#` left unencoded.
 *
 * @throws {@link DsnError} naming the wrong part. Its message says what is wrong without quoting
 * the DSN, so no piece of a password reaches a message, a stack or a log.
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
  const text = dsn.trim();
  const colon = text.indexOf(':');
  const scheme = text.slice(0, Math.max(colon, 0)).toLowerCase();
  const unix = UNIX_SCHEMES.includes(scheme);
  const slashed = text.startsWith('//', colon + 1);
  if (!SCHEMES.includes(scheme) || (!slashed && !unix)) {
    throw new DsnError('scheme', EXPECTED_SCHEME);
  }
  // The authority as URL delimits it: URL's errors do not say what is wrong in it, and URL drops
  // an empty port ("h:") and an empty password ("user:@h"), which DSNs tell apart.
  const authority = slashed ? text.slice(colon + 3).split(/[/?#]/, 1)[0] : '';
  const at = authority.lastIndexOf('@');
  const hostport = authority.slice(at + 1);
  const rest = text.slice(slashed ? colon + 3 + authority.length : colon + 1);
  // An "@" after the authority: a user name or password was cut at an unencoded "?", "#" or "/".
  const fail: Fail = (part, message) =>
    new DsnError(part, rest.includes('@') ? `${message} (${ENCODE_HINT})` : message);
  if (text.includes('#')) throw new DsnError('fragment', `a DSN has no "#" part; ${ENCODE_HINT}`);
  if (unix && hostport !== '') throw fail('path', UNIX_FORM);

  let url: URL;
  try {
    // URL refuses credentials without a host: a unix DSN with some gets a placeholder host.
    url = new URL(unix && at >= 0 ? `${scheme}://${authority}localhost${rest}` : text);
  } catch {
    // The TypeError holds the whole DSN (`input`): it is dropped, not kept as a `cause`.
    throw explain(hostport, fail);
  }
  const options: ServerOptions = {};
  if (url.username !== '') options.username = decode('userinfo', url.username, fail);
  if (/:.*@/s.test(authority)) options.password = decode('userinfo', url.password, fail);
  if (unix) {
    options.path = decode('path', url.pathname, fail);
    if (!options.path.startsWith('/') || options.path.length < 2) throw fail('path', UNIX_FORM);
  } else {
    if (url.hostname === '') throw fail('host', 'the host is empty');
    options.host = decode('host', url.hostname.replace(/^\[(.*)\]$/, '$1'), fail);
    if (hostport.endsWith(':')) throw fail('port', 'the port is empty');
    if (url.port !== '') options.port = Number(url.port);
    const db = url.pathname.replace(/^\/|\/$/g, '');
    if (db !== '') setOption(options, 'db', db, fail);
    if (TLS_SCHEMES.includes(scheme)) options.tls = true;
  }
  applyQuery(options, url.search, fail);
  return finish(scheme, options, fail);
}

/** The type of each field of {@link ServerOptions} (numbers are checked by `checkOptions`). */
// prettier-ignore
const OPTION_TYPES: Record<keyof ServerOptions, 'string' | 'number' | 'tls'> = {
  url: 'string', host: 'string', port: 'number', path: 'string', db: 'number',
  username: 'string', password: 'string', tls: 'tls', protocol: 'number',
  connectTimeout: 'number', commandTimeout: 'number', name: 'string', lanes: 'number',
};
const OPTION_NAMES = Object.keys(OPTION_TYPES).join(', ');

/**
 * Checks the names and types of an options object's fields: a misspelt name (`pass`,
 * `hostname`) would be ignored, and a number where a string goes would fail later, far from
 * its cause. Values are never quoted (a password given as a number is still a password).
 */
function checkFields(server: object): void {
  for (const [name, value] of Object.entries(server)) {
    if (!Object.hasOwn(OPTION_TYPES, name)) {
      throw new DsnError(
        'option',
        `unknown server option ${JSON.stringify(name.slice(0, 40))} (known: ${OPTION_NAMES})`,
      );
    }
    const type = OPTION_TYPES[name as keyof ServerOptions];
    if (value === undefined) continue;
    const ok =
      type === 'tls'
        ? typeof value === 'boolean' || (typeof value === 'object' && value !== null)
        : typeof value === type;
    if (!ok) {
      const expected = type === 'tls' ? 'true, false or TLS options' : `a ${type}`;
      const part = name === 'port' || name === 'db' || name === 'host' || name === 'path';
      throw new DsnError(
        part ? name : name === 'username' || name === 'password' ? 'userinfo' : 'option',
        `${name} must be ${expected}, got ${value === null ? 'null' : typeof value}`,
      );
    }
  }
}

/**
 * Validates a server given as a DSN or an options object and fills in the defaults.
 * @throws {@link DsnError}
 */
export function resolveServer(server: string | ServerOptions): ParsedDsn {
  if (typeof server === 'string') return parseDsn(server);
  if (server === null || typeof server !== 'object' || Array.isArray(server)) {
    throw new DsnError('scheme', 'a server must be a DSN string or an options object');
  }
  if ('scheme' in server && 'address' in server) return server as ParsedDsn;
  checkFields(server);
  const { url, ...rest } = server;
  if (url === undefined) return finish('options', rest);
  const base = parseDsn(url);
  const merged: ServerOptions = { ...base, password: base.password, ...rest };
  if (base.tls && rest.tls === undefined) merged.tls = base.tls;
  return finish(base.scheme, merged);
}

/** Replaces every occurrence of a secret in a text by `***` (for messages of foreign errors). */
export function redact(text: string, ...secrets: Array<string | undefined>): string {
  return secrets.reduce<string>((out, s) => (s ? out.split(s).join(REDACTED) : out), text);
}
