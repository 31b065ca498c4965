import { expect } from 'chai';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { Connection, DsnError, parseDsn, type ParsedDsn } from '../../src/index.js';
import { resolveServer } from '../../src/transport/dsn.js';
import { expectNoSecret, fuzz, secretArb } from './fuzz-support.js';

/**
 * Fuzzing the DSN parser and server options: whatever the input, the result is a valid
 * `ParsedDsn` or a `DsnError` (never a TypeError, never a `cause` holding the input), and no
 * piece of a password or user name shows in any error, nor a password in what a parsed DSN
 * prints. Pure functions: no server, about 2,000 inputs in all.
 */

/** parseDsn's outcome: the parsed DSN, or the DsnError (anything else fails the property). */
function outcome(parse: () => ParsedDsn): ParsedDsn | DsnError {
  try {
    return parse();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(DsnError);
    expect((error as DsnError).cause).to.equal(undefined);
    expect((error as DsnError).part).to.be.a('string');
    return error as DsnError;
  }
}

/** What a valid parse must hold: the types of its fields, and a printable form without it. */
function expectWellFormed(parsed: ParsedDsn): void {
  expect(parsed.address).to.be.a('string');
  expect(parsed.db).to.satisfy((db: number) => Number.isSafeInteger(db) && db >= 0);
  if (parsed.path === undefined) {
    expect(parsed.host).to.be.a('string').and.not.equal('');
    expect(parsed.port).to.satisfy((p: number) => Number.isInteger(p) && p >= 1 && p <= 65535);
  } else {
    expect(parsed.path).to.be.a('string').and.match(/\S/);
    if (parsed.scheme !== 'options') expect(parsed.path).to.match(/^\/./s);
  }
  for (const name of ['username', 'password', 'name'] as const) {
    if (parsed[name] !== undefined) expect(parsed[name], name).to.be.a('string');
  }
  if (parsed.protocol !== undefined) expect(parsed.protocol).to.be.oneOf([2, 3]);
  if (parsed.password !== undefined && parsed.password.length > 0) {
    expectNoSecret(parsed, [parsed.password], 'a parsed DSN');
  }
}

/** DSN strings put together from valid and broken parts, with secrets in every place. */
const dsnParts = fc.record({
  scheme: fc.constantFrom(
    'redis://',
    'rediss://',
    'valkey://',
    'valkeys://',
    'unix://',
    'redis+unix://',
    'unix:',
    'REDIS://',
    'http://',
    'redis:',
    '',
  ),
  user: secretArb({ maxLength: 10 }),
  password: secretArb(),
  userinfo: fc.constantFrom('none', 'user', 'password', 'both', 'query'),
  encodeUser: fc.boolean(),
  encodePassword: fc.boolean(),
  host: fc.constantFrom(
    'h',
    'localhost',
    '127.0.0.1',
    '[::1]',
    '::1',
    '',
    'a b',
    '[::1',
    'cache.example.com',
    '/tmp/r.sock',
  ),
  port: fc.oneof(
    fc.constantFrom('', ':', ':6379', ':abc', ':0', ':65536'),
    fc.integer({ min: -10, max: 70_000 }).map((p) => `:${p}`),
  ),
  path: fc.constantFrom('', '/', '/0', '/15', '/-1', '/x', '/1.5', '/tmp/r.sock', '//'),
  query: fc.array(
    fc.tuple(
      fc.constantFrom(
        'db',
        'protocol',
        'timeout',
        'command_timeout',
        'name',
        'user',
        'bogus',
        'db%3D',
        '',
      ),
      fc.constantFrom('1', '3', 'resp2', '-1', '1e3', 'x', '', '%zz', '99999999999'),
    ),
    { maxLength: 3 },
  ),
  fragment: fc.constantFrom('', '', '', '#', '#x'),
});

describe('fuzz: DSN strings and server options', () => {
  it('any string: a ParsedDsn or a DsnError, nothing else', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `redis://${s}`),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `unix:${s}`),
    );
    fc.assert(
      fc.property(text, (dsn) => {
        const result = outcome(() => parseDsn(dsn));
        if (!(result instanceof DsnError)) expectWellFormed(result);
      }),
      fuzz(500),
    );
  });

  it('DSNs with secrets in the userinfo and the query: no piece of them in any error', () => {
    fc.assert(
      fc.property(dsnParts, (p) => {
        const user = p.encodeUser ? encodeURIComponent(p.user) : p.user;
        const password = p.encodePassword ? encodeURIComponent(p.password) : p.password;
        const userinfo = {
          none: '',
          user: `${user}@`,
          password: `:${password}@`,
          both: `${user}:${password}@`,
          query: '',
        }[p.userinfo];
        const query = p.query.map(([name, value]) => `${name}=${value}`);
        if (p.userinfo === 'query') query.push(`password=${password}`, `username=${user}`);
        const search = query.length ? `?${query.join('&')}` : '';
        const dsn = `${p.scheme}${userinfo}${p.host}${p.port}${p.path}${search}${p.fragment}`;
        const secrets = [p.user, p.password, user, password];
        const result = outcome(() => parseDsn(dsn));
        if (result instanceof DsnError) {
          expectNoSecret(result, secrets, dsn);
        } else {
          expectWellFormed(result);
        }
        // A Connection class printed with this DSN (valid or not) never shows the password.
        const Printed = class extends Connection {
          static override MASTER = dsn;
        };
        const shown = inspect(Printed);
        if (result instanceof DsnError) expectNoSecret(shown, secrets, `inspect of ${dsn}`);
        else if (result.password) expectNoSecret(shown, [result.password], `inspect of ${dsn}`);
      }),
      fuzz(500),
    );
  });

  it('well-formed DSNs parse back to their parts, and print without the password', () => {
    const text = fc.string({ unit: 'binary', minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(
        fc.record({
          scheme: fc.constantFrom('redis', 'rediss', 'valkey', 'valkeys'),
          user: text,
          password: secretArb({ markers: 3 }),
          host: fc.constantFrom('h', 'cache.example.com', '10.1.2.3', '::1', 'xn--bcher-kva.ch'),
          port: fc.integer({ min: 1, max: 65535 }),
          db: fc.integer({ min: 0, max: 1_000_000 }),
          name: text,
          protocol: fc.constantFrom(2, 3),
          connectTimeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        }),
        (p) => {
          const host = p.host.includes(':') ? `[${p.host}]` : p.host;
          const auth = `${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@`;
          const query = `name=${encodeURIComponent(p.name)}&protocol=${p.protocol}&timeout=${p.connectTimeout}`;
          const dsn = `${p.scheme}://${auth}${host}:${p.port}/${p.db}?${query}`;
          const parsed = parseDsn(dsn);
          expect(parsed).to.include({
            scheme: p.scheme,
            username: p.user,
            password: p.password,
            host: p.host,
            port: p.port,
            db: p.db,
            name: p.name,
            protocol: p.protocol,
            connectTimeout: p.connectTimeout,
          });
          expectWellFormed(parsed);
          // What it prints is a DSN again, of the same server, with `***` for the password.
          const again = parseDsn(String(parsed));
          expect(again).to.include({
            username: p.user,
            password: '***',
            host: p.host,
            port: p.port,
            db: p.db,
            name: p.name,
          });
        },
      ),
      fuzz(300),
    );
  });

  it('unix DSNs parse back to their socket path and db', () => {
    // URL resolves "." and ".." segments (the same file): they are left out.
    const segment = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 10 })
      .filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        secretArb({ markers: 3 }),
        fc.integer({ min: 0, max: 100 }),
        (segments, password, db) => {
          const path = `/${segments.join('/')}`;
          const written = `/${segments.map(encodeURIComponent).join('/')}`;
          const parsed = parseDsn(`unix://:${encodeURIComponent(password)}@${written}?db=${db}`);
          expect(parsed).to.include({ path, db, password });
          expectWellFormed(parsed);
          expect(parseDsn(String(parsed))).to.include({ path, db, password: '***' });
        },
      ),
      fuzz(300),
    );
  });

  it('server options of any type: a ParsedDsn of the right types or a DsnError', () => {
    const field = <T>(valid: fc.Arbitrary<T>) =>
      fc.oneof(
        { weight: 3, arbitrary: valid },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
        { weight: 1, arbitrary: fc.constantFrom(null, NaN, -1, '', '6379', true, [], {}) },
      );
    const options = fc.record(
      {
        host: field(fc.constantFrom('h', '127.0.0.1', '::1')),
        port: field(fc.integer({ min: 1, max: 65535 })),
        path: field(fc.constantFrom('/tmp/r.sock')),
        db: field(fc.nat(15)),
        username: field(secretArb()),
        password: field(secretArb()),
        tls: field(fc.constantFrom(true, false, { rejectUnauthorized: false })),
        protocol: field(fc.constantFrom(2, 3)),
        connectTimeout: field(fc.nat(10_000)),
        commandTimeout: field(fc.nat(10_000)),
        name: field(fc.constantFrom('worker')),
        url: field(fc.constantFrom('redis://h:6380/1', 'rediss://u:QZXJ-secret@h', 'bogus://x')),
        hostname: fc.constantFrom('typo.example.com'),
        pass: secretArb(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, (given) => {
        const secrets = [given.password, given.pass, given.username, 'QZXJ-secret'].filter(
          (s): s is string => typeof s === 'string',
        );
        const result = outcome(() => resolveServer(given as never));
        if (result instanceof DsnError) {
          expectNoSecret(result, secrets, inspect(given));
          return;
        }
        expectWellFormed(result);
        // A misspelt option (`hostname`, `pass`) would be ignored: it must be refused instead.
        expect('hostname' in given || 'pass' in given, 'an unknown option accepted').to.equal(
          false,
        );
        if (result.tls !== undefined) {
          expect(result.tls === true || result.tls === false || typeof result.tls === 'object').to
            .be.true;
        }
      }),
      fuzz(500),
    );
  });
});
