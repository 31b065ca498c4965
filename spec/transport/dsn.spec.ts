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
