import { expect } from 'chai';
import { inspect } from 'node:util';
import {
  AuthError,
  Connection,
  ConnectionError,
  DecodeError,
  DsnError,
  EncodeError,
  Lock,
  LockLostError,
  LockNotAcquiredError,
  Map as RMap,
  PipelineError,
  Queue,
  TransactionError,
  WatchConflictError,
  WrongTypeError,
  parseDsn,
  serializer,
  type ConnectionOptions,
  type ServerSpec,
} from '../../src/index.js';
import { freePort, type RedisServer } from '../../tools/redis-server.js';
import { cluster } from '../support/cluster.js';
import { eventually, modelClass, raw, uniq } from '../support/helpers.js';
import { spawnServer } from '../support/topology.js';
import { MARKERS, expectNoSecret, fragmentsOf, textsOf } from './fuzz-support.js';

/**
 * No part of a password ever shows: one walk through every failure path — a wrong password, an
 * unreachable host, a TLS handshake with a plain server, bad DSNs, decode and encode errors,
 * refused commands, pipeline and transaction failures, a lost connection, lock errors, an
 * unreachable Sentinel, a cluster seed with a wrong password — with distinctive passwords in the
 * DSN's userinfo, in its query, in options objects and in `url` options. For every error: its
 * message, stack, `String()`, `util.inspect`, `JSON.stringify`, and the same for each error of
 * its `cause` chain and its batch failures; the Connection classes and their topologies printed;
 * and everything written to stdout/stderr, console or process warnings meanwhile.
 *
 * Every window of 4 characters of each password holds a marker letter (`fuzz-support.ts`), so
 * every substring of 4 or more is checked, its first 4 characters included.
 */

/** The right password of the server's users. */
const SECRET = 'QZ?XJ#KW/QZ@XJ%KW&QZ:XJ+KW';
/** A wrong password, as distinctive. */
const WRONG = 'KW?ZQ#JX/KW@ZQ%JX&KW:ZQ+JX';
const USER = 'fuzzapp';
const e = encodeURIComponent;

/** Every form a password takes in a configuration: as written, and percent-encoded. */
const SECRETS = [SECRET, WRONG, e(SECRET), e(WRONG)];

describe('secrets never show, whatever fails', function () {
  this.timeout(60_000);
  let server: RedisServer;
  let port: number;
  const classes: Array<typeof Connection> = [];

  /** A Connection class on `master` (closed after the walk), with short timeouts. */
  function connection(
    label: string,
    spec: { master?: ServerSpec; cluster?: ServerSpec; options?: ConnectionOptions } = {},
  ): typeof Connection {
    const Made = class extends Connection {
      static override MASTER = spec.master;
      static override CLUSTER = spec.cluster;
      static override OPTIONS: ConnectionOptions = {
        connectTimeout: 1_000,
        commandTimeout: 2_000,
        reconnectAttempts: 1,
        ...spec.options,
      };
    };
    Object.defineProperty(Made, 'name', { value: label });
    classes.push(Made);
    return Made;
  }

  before(async () => {
    server = await spawnServer();
    port = server.port;
    // The default user and an ACL user, both with SECRET; the ACL user may touch keys with
    // `ok:` in them only (`ok:x`, a lock's `{ok:x}:fence`...).
    await raw(server, 'ACL', 'SETUSER', USER, 'on', `>${SECRET}`, '~*ok:*', '+@all');
    await raw(server, 'CONFIG', 'SET', 'requirepass', SECRET);
  });

  after(async () => {
    await Promise.all(classes.map((c) => c.close().catch(() => undefined)));
  });

  it('walks every failure path: no piece of a password in any error, print or output', async () => {
    const shown: Array<[label: string, value: unknown]> = [];
    const output: string[] = [];
    /** Runs one failure path: keeps its error (it must fail as `type`). */
    const fails = async (
      label: string,
      type: abstract new (...args: never[]) => Error,
      run: () => unknown,
    ): Promise<Error> => {
      let caught: unknown;
      try {
        await run();
      } catch (error) {
        caught = error;
      }
      expect(caught, `${label}: expected a ${type.name}, got ${String(caught)}`).to.be.instanceOf(
        type,
      );
      shown.push([label, caught]);
      return caught as Error;
    };

    const restore = capture(output);
    try {
      // 1. A wrong password, in each place a password can be written.
      const wrongPlaces: Array<[string, ServerSpec]> = [
        ['userinfo', `redis://${USER}:${e(WRONG)}@127.0.0.1:${port}/0`],
        ['query', `redis://127.0.0.1:${port}/0?username=${USER}&password=${e(WRONG)}`],
        ['options', { host: '127.0.0.1', port, username: USER, password: WRONG }],
        ['url option', { url: `redis://:${e(WRONG)}@127.0.0.1:${port}`, db: 1 }],
      ];
      for (const [place, master] of wrongPlaces) {
        const Wrong = connection(`Wrong${place.replace(' ', '')}`, { master });
        const Value = modelClass(RMap<string>, Wrong, undefined, 'Value');
        const error = await fails(`wrong password in the ${place}`, Error, () =>
          new Value(`ok:${uniq()}`).get(),
        );
        expect(error, place).to.satisfy(
          (x: Error) => x instanceof AuthError || x instanceof ConnectionError,
        );
        // A batch meets the same refusal.
        await fails(`wrong password in the ${place}, in a pipeline`, Error, () =>
          Wrong.pipeline((p) => [new Value(`ok:${uniq()}`).in(p).get()]),
        );
      }

      // 2. Nobody listening, a missing socket file, TLS with a plain server.
      const closed = await freePort();
      const unreachable: Array<[string, ServerSpec]> = [
        ['closed port', `redis://${USER}:${e(SECRET)}@127.0.0.1:${closed}/0`],
        ['missing socket', `unix://${USER}:${e(SECRET)}@/tmp/${uniq('absent')}.sock`],
        ['TLS to a plain server', `rediss://:${e(SECRET)}@127.0.0.1:${port}/0`],
        ['closed port, options', { port: closed, password: SECRET, username: USER }],
      ];
      for (const [what, master] of unreachable) {
        const Far = connection(`Far${what.replace(/\W/g, '')}`, { master });
        const Value = modelClass(RMap<string>, Far, undefined, 'Value');
        await fails(what, ConnectionError, () => new Value(`ok:${uniq()}`).set('v'));
      }

      // 3. Bad DSNs and options: parsing, a Connection built on one, printing that class.
      const badDsns: unknown[] = [
        `redis://${USER}:${e(SECRET)}@127.0.0.1:99999/0`,
        `redis://${USER}:${SECRET}@127.0.0.1:6379/0`,
        `redis://:${SECRET}@h/x`,
        `redis://h?password=${e(SECRET)}&bogus=1`,
        `http://${USER}:${e(SECRET)}@h`,
        `unix://${USER}:${e(SECRET)}@relative.sock`,
        { host: 'h', password: SECRET, pass: SECRET },
        { host: 'h', password: SECRET, port: '6379' },
        { url: `redis://:${e(SECRET)}@h:0`, password: WRONG },
      ];
      for (const [i, dsn] of badDsns.entries()) {
        await fails(`bad DSN ${i}`, DsnError, () => parseDsnOrOptions(dsn));
        const Bad = connection(`Bad${i}`, { master: dsn as ServerSpec });
        const Value = modelClass(RMap<string>, Bad, undefined, 'Value');
        await fails(`a model on bad DSN ${i}`, DsnError, () => new Value('ok:x').get());
        shown.push([`inspect of a class on bad DSN ${i}`, inspect(Bad)], [`its name`, Bad.name]);
      }

      // 4. With the right password: what a working connection can meet.
      const Good = connection('Good', {
        master: `redis://${USER}:${e(SECRET)}@127.0.0.1:${port}/0`,
      });
      const Json = modelClass(RMap<unknown>, Good, serializer.JSON, 'Json');
      const Text = modelClass(RMap<string>, Good, undefined, 'Text');
      const Jobs = modelClass(Queue<string>, Good, undefined, 'Jobs');
      const key = `ok:${uniq()}`;
      await raw(server, 'SET', key, 'not json');
      await fails('decode error', DecodeError, () => new Json(key).get());
      await fails('encode error', EncodeError, () => new Json(key).set(10n));
      await fails('wrong type (with a cause from node-redis)', WrongTypeError, () =>
        new Jobs(key).push('x'),
      );
      await fails('no permission', AuthError, () => new Text(`nope:${uniq('z')}`).get());
      await fails('pipeline', PipelineError, () =>
        Good.pipeline((p) => [new Jobs(key).in(p).size(), new Json(key).in(p).get()]),
      );
      await fails('transaction refused while queued', TransactionError, () =>
        Good.transaction((t) => [new Text(key).in(t).get(), t.raw(['SET', key])]),
      );
      await fails('transaction failing at run time', TransactionError, () =>
        Good.transaction((t) => [new Text(key).in(t).get(), new Jobs(key).in(t).push('x')]),
      );
      await fails('watch conflict', WatchConflictError, () =>
        Good.watch(
          [key],
          async () => {
            await raw(server, 'SET', key, uniq());
            return (t) => [new Text(key).in(t).get()];
          },
          { attempts: 2 },
        ),
      );

      // 5. Lock errors.
      const Locks = modelClass(Lock, Good, undefined, 'Locks');
      const lockKey = `ok:${uniq()}`;
      const holder = new Locks(lockKey);
      expect(await holder.acquire({ ttl: 5_000 })).to.equal(true);
      await fails('lock not acquired', LockNotAcquiredError, () =>
        new Locks(lockKey).using(() => 1, { ttl: 1_000 }),
      );
      await holder.release();
      let lost: unknown;
      await new Locks(lockKey).using(
        async (signal) => {
          await raw(server, 'SET', lockKey, 'someone-else');
          await eventually(() => signal.aborted, 5_000);
          lost = signal.reason;
        },
        { ttl: 300 },
      );
      await fails('lock lost', LockLostError, () => {
        throw lost;
      });

      // 6. A connection cut under a blocking pop: outcome unknown.
      const queue = new Jobs(`ok:${uniq()}`);
      const popping = queue.pop({ timeout: 10_000 });
      await eventually(async () =>
        String(await raw(server, 'CLIENT', 'LIST')).includes('cmd=brpop'),
      );
      await raw(server, 'CLIENT', 'KILL', 'USER', USER);
      await fails('connection killed under a blocking pop', ConnectionError, () => popping);

      // 7. A Sentinel nobody answers, holding the password twice.
      const Watched = class extends Connection {
        static override SENTINEL = {
          name: 'mymaster',
          sentinels: [`redis://:${e(SECRET)}@127.0.0.1:${closed}`],
          server: { username: USER, password: WRONG },
        };
        static override OPTIONS = { connectTimeout: 1_000, reconnectAttempts: 0 };
      };
      classes.push(Watched);
      const Sentineled = modelClass(RMap<string>, Watched, undefined, 'Value');
      await fails('unreachable sentinel', ConnectionError, () => new Sentineled('ok:x').get());

      // 8. A cluster seed with a wrong password.
      const nodes = await cluster();
      const Clustered = connection('Clustered', {
        cluster: `redis://nobody:${e(WRONG)}@127.0.0.1:${nodes[0].port}`,
      });
      const OnCluster = modelClass(RMap<string>, Clustered, undefined, 'Value');
      await fails('cluster seed, wrong password', Error, () => new OnCluster('ok:x').get());

      // Every Connection class, its description and its topology, printed.
      for (const made of [...classes]) {
        shown.push([`inspect of ${made.name}`, inspect(made)]);
        try {
          shown.push([`${made.name}.describe()`, made.describe()]);
          shown.push([`its topology`, inspect(made.router(), { depth: Infinity })]);
        } catch (error) {
          shown.push([`${made.name}.router()`, error]);
        }
      }
      try {
        shown.push(['its node-redis client', inspect(await Good.client(), { depth: 4 })]);
      } catch (error) {
        shown.push(['its node-redis client', error]);
      }
      shown.push(['a parsed DSN', parseDsn(`redis://${USER}:${e(SECRET)}@h/1?name=n`)]);
    } finally {
      restore();
    }

    expect(shown.filter(([, value]) => value instanceof Error)).to.have.length.greaterThan(40);
    for (const [label, value] of shown) expectNoSecret(value, SECRETS, label);
    expectNoSecret(output.join('\n'), SECRETS, 'stdout/stderr/console/warnings');
  });

  it('the check itself sees a secret piece: its first 4 characters, in a cause', () => {
    // Guards the walk above against a check that can never fail.
    const leaked = new Error('outer', { cause: new Error(`inner ${SECRET.slice(0, 4)}`) });
    expect(() => expectNoSecret(leaked, SECRETS)).to.throw(/secret piece "QZ\?X"/);
    expect(fragmentsOf([SECRET])).to.include(SECRET.slice(0, 4));
    for (let i = 0; i + 4 <= SECRET.length; i++) {
      expect(
        [...SECRET.slice(i, i + 4)].some((c) => MARKERS.includes(c)),
        `window ${i}`,
      ).to.be.true;
    }
    expect(
      textsOf(new PipelineError([1], [{ index: 0, error: new Error(WRONG) }])).join(),
    ).to.include(WRONG);
  });
});

/** A DSN string parsed, or server options resolved as a Connection resolves them. */
function parseDsnOrOptions(spec: unknown): unknown {
  if (typeof spec === 'string') return parseDsn(spec);
  const Probe = class extends Connection {
    static override MASTER = spec as ServerSpec;
  };
  return Probe.describe();
}

/**
 * Records what is written to stdout and stderr, to the console, and as process warnings, until
 * the returned function is called. The writes still go through.
 */
function capture(into: string[]): () => void {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep =
    (write: typeof out) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = keep(out) as typeof process.stdout.write;
  process.stderr.write = keep(err) as typeof process.stderr.write;
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    const original = console[m];
    console[m] = (...args: unknown[]) => {
      into.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
      original(...args);
    };
  }
  const onWarning = (warning: Error) => into.push(...textsOf(warning));
  process.on('warning', onWarning);
  return () => {
    process.stdout.write = out;
    process.stderr.write = err;
    methods.forEach((m, i) => (console[m] = saved[i]));
    process.off('warning', onWarning);
  };
}
