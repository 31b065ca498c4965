import { expect } from 'chai';
import {
  AuthError,
  Connection,
  ConnectionError,
  Counter,
  Map as RMap,
  model,
} from '../../src/index.js';
import { raw, rejects, uniq } from '../support/helpers.js';
import { redisSupportsTls, tlsServer } from '../support/tls.js';
import { spawnServer } from '../support/topology.js';

describe('TLS', function () {
  this.timeout(20_000);
  before(function () {
    if (!redisSupportsTls()) {
      console.log('      skipped: this redis-server was built without TLS (install a TLS build)');
      this.skip();
    }
  });

  it('connects with the right CA (certificates verified)', async () => {
    const { server, certs } = await tlsServer();
    class Secure extends Connection {
      static override MASTER = { url: server.url, tls: { ca: certs.ca, servername: 'localhost' } };
    }
    @model({ connection: Secure })
    class Hits extends Counter {}
    expect(await new Hits(uniq()).incr()).to.equal(1);
    await Secure.close();
  });

  it('fails with a clear ConnectionError with a wrong CA', async () => {
    const { server, certs } = await tlsServer();
    class Wrong extends Connection {
      static override MASTER = {
        url: server.url,
        tls: { ca: certs.otherCa, servername: 'localhost' },
      };
    }
    @model({ connection: Wrong })
    class Hits extends Counter {}
    const error = await rejects(() => new Hits(uniq()).incr(), ConnectionError);
    expect(error.message).to.match(/TLS|certificate/i);
    expect(error.address).to.equal(`127.0.0.1:${server.port}`);
  });

  it('does not talk plain TCP to a TLS port', async () => {
    const { server } = await tlsServer();
    class Plain extends Connection {
      static override MASTER = `redis://127.0.0.1:${server.port}/0`;
      static override OPTIONS = { connectTimeout: 500 };
    }
    @model({ connection: Plain })
    class Hits extends Counter {}
    await rejects(() => new Hits(uniq()).incr(), ConnectionError);
  });
});

describe('ACL users', function () {
  this.timeout(20_000);

  it('a restricted user runs what it may and gets a typed AuthError otherwise', async () => {
    const server = await spawnServer();
    await raw(
      server,
      'ACL',
      'SETUSER',
      'app',
      'on',
      '>app-secret',
      '~app:*',
      '+@read',
      '+@write',
      '+@connection',
      '+client',
    );
    class AsApp extends Connection {
      static override MASTER = `redis://app:app-secret@127.0.0.1:${server.port}/0`;
    }
    @model({ connection: AsApp, prefix: 'app' })
    class Allowed extends Counter {}
    @model({ connection: AsApp, prefix: 'admin' })
    class Forbidden extends RMap {}
    expect(await new Allowed(uniq()).incr()).to.equal(1);
    const error = await rejects(() => new Forbidden(uniq()).get(), AuthError);
    expect(error.code).to.equal('NOPERM');
    expect(error.message).to.include('Forbidden');
    await AsApp.close();
  });

  it('a wrong password is an AuthError that never shows the password', async () => {
    const server = await spawnServer();
    await raw(server, 'ACL', 'SETUSER', 'app', 'on', '>right-secret', '~*', '+@all');
    class Wrong extends Connection {
      static override MASTER = `redis://app:hunter2-wrong@127.0.0.1:${server.port}/0`;
    }
    @model({ connection: Wrong })
    class Hits extends Counter {}
    const error = await rejects(() => new Hits(uniq()).incr(), Error);
    expect(error).to.satisfy((e: Error) => e instanceof AuthError || e instanceof ConnectionError);
    expect(error.message).to.match(/WRONGPASS|auth/i);
    expect(error.message).to.not.include('hunter2');
    expect(String(error.stack)).to.not.include('hunter2-wrong');
  });
});
