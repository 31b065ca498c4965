import { expect } from 'chai';
import { DecodeError, Map as RMap, serializer } from '../../../src/index.js';
import type { Connection } from '../../../src/index.js';
import { connectionTo, modelClass, rejects, uniq } from '../../support/helpers.js';
import { runPython } from '../../support/python.js';
import { standalone } from '../../support/topology.js';
import type { RedisServer } from '../../../tools/redis-server.js';

describe('Pickle: a Map model shared with python3 (redis-py)', () => {
  let server: RedisServer;
  let Main: typeof Connection;
  const Prefs = () => modelClass(RMap<unknown>, Main, serializer.Pickle, 'Prefs');

  before(async () => {
    server = await standalone();
    Main = connectionTo(server);
  });

  const python = (body: string, key: string) =>
    runPython(
      `import datetime, json, pickle, sys, redis\nr = redis.Redis(host='${server.host}', port=${server.port})\nkey = sys.argv[1]\n${body}`,
      { redis: true, args: [key] },
    );

  it('get() reads an ASCII protocol 0 pickle stored by Python', async () => {
    const prefs = new (Prefs())(uniq('pickle'));
    await python(
      `r.set(key, pickle.dumps({'name': 'Ann', 'n': 2**70, 'ids': [1, (2, 3)]}, 0))`,
      prefs.key,
    );
    expect(await prefs.get()).to.deep.equal({ name: 'Ann', n: 2n ** 70n, ids: [1, [2, 3]] });
  });

  // Pickle is a binary serializer: the replies that carry its values come as Buffers.
  for (const proto of [0, 2, 3, 5]) {
    it(`get() reads what Python stored with pickle.dumps(value, ${proto})`, async () => {
      const prefs = new (Prefs())(uniq('pickle'));
      await python(
        `r.set(key, pickle.dumps({'name': 'Ann', 'n': 2**70, 'tags': {'a'}, 'raw': b'\\xff\\x00', 'at': datetime.datetime(2020, 1, 2, tzinfo=datetime.timezone.utc)}, ${proto}))`,
        prefs.key,
      );
      expect(await prefs.get()).to.deep.equal({
        name: 'Ann',
        n: 2n ** 70n,
        tags: new Set(['a']),
        raw: Buffer.from([0xff, 0]),
        at: new Date('2020-01-02T00:00:00Z'),
      });
    });
  }

  it('Python reads what set() stored', async () => {
    const prefs = new (Prefs())(uniq('pickle'));
    await prefs.set({
      name: 'Ann',
      n: 2n ** 70n,
      ids: new Set([1, 2]),
      raw: Buffer.from([0xff]),
      at: new Date(0),
    });
    const { stdout } = await python(
      `v = pickle.loads(r.get(key))\nprint(v == {'name': 'Ann', 'n': 2**70, 'ids': {1, 2}, 'raw': b'\\xff', 'at': datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)})`,
      prefs.key,
    );
    expect(stdout.toString('utf8').trim()).to.equal('True');
  });

  it('a hostile value stored by Python is a DecodeError naming the model and key', async () => {
    const prefs = new (Prefs())(uniq('pickle'));
    await python(`r.set(key, b"cos\\nsystem\\n(S'true'\\ntR.")`, prefs.key);
    const error = await rejects(() => prefs.get(), DecodeError, /os\.system/);
    expect(error.message).to.include('Prefs');
    expect(error.message).to.include(prefs.key);
  });
});
