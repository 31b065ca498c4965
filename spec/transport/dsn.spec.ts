import { expect } from 'chai';
import { inspect } from 'node:util';
import { Connection, DsnError, parseDsn } from '../../src/index.js';

describe('parseDsn', () => {
  const valid: Array<[string, Record<string, unknown>]> = [
    ['redis://localhost', { host: 'localhost', port: 6379, db: 0, scheme: 'redis' }],
    ['redis://127.0.0.1:6380/2', { host: '127.0.0.1', port: 6380, db: 2 }],
    ['redis://:secret@h:1/0', { host: 'h', port: 1, password: 'secret', username: undefined }],
    ['redis://app:p%40ss%3Aw%2Frd@h/3', { username: 'app', password: 'p@ss:w/rd', db: 3 }],
    ['redis://user@h', { username: 'user', password: undefined }],
    ['redis://[::1]:7000/1', { host: '::1', port: 7000, db: 1, address: '[::1]:7000' }],
    ['redis://[::1]', { host: '::1', port: 6379 }],
    ['rediss://cache.example.com', { tls: true, port: 6379 }],
    ['valkey://h:6390', { host: 'h', port: 6390, scheme: 'valkey' }],
    ['valkeys://h', { tls: true, scheme: 'valkeys' }],
    ['unix:///tmp/redis.sock?db=4', { path: '/tmp/redis.sock', db: 4, address: '/tmp/redis.sock' }],
    ['unix://:pw@/var/run/r.sock', { path: '/var/run/r.sock', password: 'pw' }],
    [
      'redis://h?db=5&protocol=2&timeout=1500&name=worker-1',
      { db: 5, protocol: 2, connectTimeout: 1500, name: 'worker-1' },
    ],
    [
      'redis://h/1?command_timeout=250&connect_timeout=300',
      { db: 1, commandTimeout: 250, connectTimeout: 300 },
    ],
    ['REDIS://H:1', { host: 'H', scheme: 'redis' }],
    ['redis://h/', { db: 0 }],
    ['unix:/tmp/redis.sock', { path: '/tmp/redis.sock', scheme: 'unix' }],
    [
      'unix://u:p%3F@/tmp/r.sock?db=2',
      { path: '/tmp/r.sock', username: 'u', password: 'p?', db: 2 },
    ],
    ['redis://user:@h', { username: 'user', password: '' }],
    ['redis://user:a@b@h:6380', { username: 'user', password: 'a@b', host: 'h', port: 6380 }],
    ['redis://h?name=a+b%20c&password=p@ss', { name: 'a+b c', password: 'p@ss' }],
  ];
  for (const [dsn, expected] of valid) {
    it(`parses ${dsn}`, () => {
      const parsed = parseDsn(dsn);
      for (const [name, value] of Object.entries(expected)) {
        expect((parsed as unknown as Record<string, unknown>)[name], name).to.deep.equal(value);
      }
    });
  }

  const invalid: Array<[string, string]> = [
    ['localhost:6379', 'scheme'],
    ['http://h', 'scheme'],
    ['redis://', 'host'],
    ['redis://:6379', 'host'],
    ['redis://h:0', 'port'],
    ['redis://h:65536', 'port'],
    ['redis://h:abc', 'port'],
    ['redis://h:', 'port'],
    ['redis://h/-1', 'db'],
    ['redis://h/x', 'db'],
    ['redis://h/1.5', 'db'],
    ['redis://h?db=one', 'db'],
    ['redis://h?bogus=1', 'option'],
    ['redis://h?protocol=4', 'option'],
    ['redis://::1:6379', 'host'],
    ['redis://[::1', 'host'],
    ['unix://relative.sock', 'path'],
    ['redis://u:%E0%A4%A@h', 'userinfo'],
    ['redis:h', 'scheme'],
    ['redis://h#frag', 'fragment'],
    ['redis://h/x?db=1', 'db'],
    ['redis://h?db=x&db=1', 'db'],
    ['redis://a b', 'host'],
    ['redis://[::1]x', 'host'],
    ['redis://u@', 'host'],
    ['unix://h/tmp/r.sock', 'path'],
    ['unix:///', 'path'],
  ];
  for (const [dsn, part] of invalid) {
    it(`rejects ${dsn} (${part})`, () => {
      let error: unknown;
      try {
        parseDsn(dsn);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DsnError);
      expect((error as DsnError).part).to.equal(part);
    });
  }

  it('never prints the password: toString, inspect, JSON, errors', () => {
    const parsed = parseDsn('redis://app:hunter2@h:6380/1');
    expect(String(parsed)).to.equal('redis://app:***@h:6380/1');
    expect(inspect(parsed)).to.not.include('hunter2');
    expect(JSON.stringify(parsed)).to.not.include('hunter2');
    expect(parsed.password).to.equal('hunter2');
    for (const bad of [
      'redis://app:hunter2@h:99999',
      'redis://app:hunter2@h/x',
      'redis://app:hunter2@h?x=1',
    ]) {
      try {
        parseDsn(bad);
        expect.fail('should throw');
      } catch (error) {
        expect((error as Error).message).to.not.include('hunter2');
        expect(String(error)).to.not.include('hunter2');
      }
    }
  });

  it('never echoes any part of the userinfo when a DSN with an unencoded ?, # or / is malformed', () => {
    // Passwords as written in the DSN, with the text they decode to.
    const passwords: Array<[string, string]> = [
      ['s3c?r3t', 's3c?r3t'],
      ['p#ss', 'p#ss'],
      ['a@b', 'a@b'],
      ['s3c/r3t', 's3c/r3t'],
      ['k%40y%23z', 'k@y#z'],
      ['w%3Fq%2Fv', 'w?q/v'],
    ];
    const user = 'qx7j';
    const templates = [
      (p: string) => `redis://${user}:${p}@host:99999`,
      (p: string) => `redis://${user}:${p}@host:0`,
      (p: string) => `redis://${user}:${p}@host:`,
      (p: string) => `redis://${user}:${p}@host/x`,
      (p: string) => `redis://${user}:${p}@host?bogus=1`,
      (p: string) => `redis://${user}:${p}@host?protocol=9`,
      (p: string) => `redis://${user}:${p}@[::1:6379`,
      (p: string) => `redis://${user}:${p}@::1:6379`,
      (p: string) => `redis://${p}@h:6379?x=1`,
      (p: string) => `redis://:${p}@h:6379/-1`,
      (p: string) => `unix://${user}:${p}@relative.sock`,
      (p: string) => `http://${user}:${p}@host`,
      (p: string) => `${user}:${p}@host:6379`,
    ];
    const dsns = [
      ...passwords.flatMap(([written]) => templates.map((t) => t(written))),
      // Valid but for the unencoded character in the password: the head lands in host or port.
      `redis://${user}:s3c?r3t@host:6379`,
      `redis://:s3c?r3t@host:6379`,
      `redis://s3c?r3t@host:6379`,
      `redis://${user}:p#ss@host:6379`,
      `redis://${user}:s3c/r3t@host:6379/0`,
      `rediss://${user}:123?r3t@host`,
      `redis://${user}:6379#r3t@host`,
      `redis://${user}:12/cd@host`,
    ];
    // Each secret as written and as decoded; a DSN is checked for the secrets it contains.
    const secrets = [[user], ...passwords, ['123?r3t'], ['6379#r3t'], ['12/cd']];
    for (const dsn of dsns) {
      const fragments = new Set<string>();
      for (const secret of secrets.filter(([written]) => dsn.includes(written)).flat()) {
        for (let i = 0; i < secret.length; i++) {
          for (let j = i + 3; j <= secret.length; j++) fragments.add(secret.slice(i, j));
        }
      }
      let error: unknown;
      try {
        parseDsn(dsn);
      } catch (e) {
        error = e;
      }
      expect(error, dsn).to.be.instanceOf(DsnError);
      const e = error as DsnError;
      expect(e.cause, dsn).to.equal(undefined);
      const texts = [e.message, e.stack ?? '', String(e), inspect(e), JSON.stringify(e)];
      for (const text of texts) {
        for (const fragment of fragments) {
          expect(text.includes(fragment), `${JSON.stringify(fragment)} in ${text}`).to.equal(false);
        }
      }
    }
  });

  it('says how to write a password with ?, # or / in it, naming the part that broke', () => {
    const cases: Array<[string, string]> = [
      ['redis://user:s3c?r3t@host:6379', 'port'],
      ['redis://:s3c?r3t@host:6379', 'host'],
      ['redis://s3c?r3t@host:6379', 'option'],
      ['redis://user:p#ss@host:6379', 'fragment'],
      ['redis://user:12/cd@host', 'db'],
    ];
    for (const [dsn, part] of cases) {
      expect(() => parseDsn(dsn), dsn)
        .to.throw(DsnError, /percent-encode/)
        .with.property('part', part);
    }
  });

  it('hides the password when a Connection class is printed', () => {
    class Secret extends Connection {
      static override MASTER = 'redis://:hunter2@127.0.0.1:6379/0';
      static override SLAVE = [{ host: '127.0.0.1', port: 6380, password: 'hunter3' }];
    }
    const text = inspect(Secret);
    expect(text).to.include('127.0.0.1:6379');
    expect(text).to.include('127.0.0.1:6380');
    expect(text).to.not.include('hunter2');
    expect(text).to.not.include('hunter3');
  });
});
