import { expect } from 'chai';
import { serializer } from '../../../src/index.js';
import { runPython } from '../../support/python.js';
import { EXPECTED, PYTHON_VALUES } from './corpus.js';

/** One pickle written by python3: the case, the protocol, the bytes. */
interface Written {
  readonly name: string;
  readonly proto: number;
  readonly bytes: Buffer;
}

const DUMP = `${PYTHON_VALUES}
import json, pickle
for proto in range(6):
    for name, value in V.items():
        print(json.dumps({'name': name, 'proto': proto, 'hex': pickle.dumps(value, proto).hex()}))
`;

describe('Pickle: decoding what python3 writes', () => {
  let written: Written[] = [];

  before(async function () {
    this.timeout(60_000);
    const { stdout } = await runPython(DUMP);
    written = stdout
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const { name, proto, hex } = JSON.parse(line) as {
          name: string;
          proto: number;
          hex: string;
        };
        return { name, proto, bytes: Buffer.from(hex, 'hex') };
      });
  });

  const decode = (name: string, proto: number): unknown => {
    const found = written.find((w) => w.name === name && w.proto === proto);
    expect(found, `${name} at protocol ${proto}`).to.not.equal(undefined);
    return serializer.Pickle.decode(found!.bytes);
  };

  for (let proto = 0; proto <= 5; proto += 1) {
    it(`decodes every value of protocol ${proto} exactly`, () => {
      expect(written.filter((w) => w.proto === proto)).to.have.length(
        Object.keys(EXPECTED).length + 3,
      );
      for (const [name, expected] of Object.entries(EXPECTED)) {
        const value = decode(name, proto);
        if (typeof expected === 'number' && Number.isNaN(expected)) {
          expect(Number.isNaN(value), name).to.equal(true);
        } else if (Object.is(expected, -0)) {
          expect(Object.is(value, -0), name).to.equal(true);
        } else {
          expect(value, `${name} at protocol ${proto}`).to.deep.equal(expected);
        }
      }
    });

    it(`keeps the types of protocol ${proto}: BigInt, Buffer, Set, Map, Date, plain objects`, () => {
      expect(typeof decode('big', proto)).to.equal('bigint');
      expect(typeof decode('safe', proto)).to.equal('number');
      expect(Buffer.isBuffer(decode('bytes', proto))).to.equal(true);
      expect(Buffer.isBuffer(decode('bytearray', proto))).to.equal(true);
      expect(decode('frozenset', proto)).to.be.instanceOf(Set);
      expect(decode('int_keys', proto)).to.be.instanceOf(Map);
      expect(decode('date', proto)).to.be.instanceOf(Date);
      const dict = decode('dict', proto) as object;
      expect(Object.getPrototypeOf(dict)).to.equal(Object.prototype);
      const proto_ = decode('proto_key', proto) as Record<string, unknown>;
      expect(Object.getPrototypeOf(proto_)).to.equal(Object.prototype);
      expect(Object.keys(proto_)).to.deep.equal(['__proto__', 'constructor']);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it(`keeps shared references and cycles of protocol ${proto}`, () => {
      const shared = decode('shared', proto) as unknown[][];
      expect(shared[0]).to.equal(shared[1]);
      const list = decode('recursive', proto) as unknown[];
      expect(list).to.have.length(1);
      expect(list[0]).to.equal(list);
      const tuple = decode('recursive_tuple', proto) as unknown[][];
      expect(tuple).to.have.length(1);
      expect(tuple[0]).to.have.length(1);
      expect(tuple[0][0]).to.equal(tuple);
      const dict = decode('recursive_dict', proto) as Record<string, unknown>;
      expect(dict.self).to.equal(dict);
    });
  }

  it('decodes a 1000-element list of dicts within a few times JSON.parse of the same data', async () => {
    const { stdout } = await runPython(
      "import json, pickle, sys; v = [{'id': i, 'name': 'n%d' % i, 'ok': True, 'score': i / 3} for i in range(1000)]; print(pickle.dumps(v, 4).hex()); print(json.dumps(v))",
    );
    const [hex, json] = stdout.toString('utf8').trim().split('\n');
    const bytes = Buffer.from(hex, 'hex');
    const time = (run: () => unknown): number => {
      for (let i = 0; i < 50; i += 1) run();
      const start = process.hrtime.bigint();
      for (let i = 0; i < 200; i += 1) run();
      return Number(process.hrtime.bigint() - start) / 1e6 / 200;
    };
    const ms = time(() => serializer.Pickle.decode(bytes));
    const jsonMs = time(() => JSON.parse(json));
    const value = serializer.Pickle.decode(bytes) as Array<Record<string, unknown>>;
    expect(value).to.deep.equal(JSON.parse(json));
    const report = `${ms.toFixed(3)} ms per decode, JSON.parse ${jsonMs.toFixed(3)} ms`;
    expect(ms, report).to.be.below(Math.max(10 * jsonMs, 1));
  });
});
