import { expect } from 'chai';
import fc from 'fast-check';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializer } from '../../../src/index.js';
import { SerializationFailure } from '../../../src/serializers/serializer.js';
import { runPython } from '../../support/python.js';

const bin = (text: string): Buffer => Buffer.from(text, 'latin1');
const u32 = (n: number): string =>
  bin('').toString() +
  String.fromCharCode(n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255);
const short = (text: string): string => `\x8c${String.fromCharCode(text.length)}${text}`;

/** Asserts a refusal (a SerializationFailure, never another error) with a message. */
function refuses(payload: Buffer, message?: RegExp): void {
  let caught: unknown;
  try {
    serializer.Pickle.decode(payload);
  } catch (error) {
    caught = error;
  }
  expect(caught, payload.toString('latin1')).to.be.instanceOf(SerializationFailure);
  if (message) expect((caught as Error).message).to.match(message);
}

const DANGEROUS: Array<[string, string]> = [
  ['os', 'system'],
  ['posix', 'system'],
  ['nt', 'system'],
  ['builtins', 'eval'],
  ['builtins', 'exec'],
  ['__builtin__', 'eval'],
  ['builtins', 'getattr'],
  ['builtins', '__import__'],
  ['subprocess', 'Popen'],
  ['subprocess', 'check_output'],
  ['copy_reg', '_reconstructor'],
  ['copyreg', '_reconstructor'],
  ['datetime', 'tzinfo'],
  ['builtins', 'object'],
];

describe('Pickle: hostile payloads', () => {
  const marker = join(tmpdir(), `pickle-pwned-${process.pid}`);
  afterEach(() => rmSync(marker, { force: true }));

  it('the os.system payload is real: python3 runs it, we refuse it and run nothing', async () => {
    const payload = bin(`cos\nsystem\n(S'touch ${marker}'\ntR.`);
    await runPython('import pickle, sys; pickle.loads(bytes.fromhex(sys.argv[1]))', {
      args: [payload.toString('hex')],
    });
    expect(existsSync(marker), 'python ran it').to.equal(true);
    rmSync(marker);
    refuses(
      payload,
      /GLOBAL at offset 0: names the global os\.system, which is not on the allow-list/,
    );
    expect(existsSync(marker)).to.equal(false);
  });

  for (const [module, name] of DANGEROUS) {
    it(`refuses ${module}.${name} through GLOBAL, STACK_GLOBAL, INST, OBJ and REDUCE`, () => {
      const arg = `(S'touch ${marker}'\nt`;
      refuses(bin(`c${module}\n${name}\n${arg}R.`), /not on the allow-list/);
      refuses(bin(`\x80\x04${short(module)}${short(name)}\x93${arg}R.`), /STACK_GLOBAL/);
      refuses(bin(`(S'touch ${marker}'\ni${module}\n${name}\n.`), /INST.*not data/);
      refuses(bin(`(c${module}\n${name}\nS'x'\no.`), /allow-list/);
      refuses(bin(`\x80\x02c${module}\n${name}\n)\x81.`), /allow-list/);
      expect(existsSync(marker)).to.equal(false);
    });
  }

  it('refuses opcodes that build objects or look outside the pickle, even on allowed globals', () => {
    refuses(bin('(cbuiltins\nset\no.'), /OBJ.*not data/);
    refuses(bin('\x80\x02cbuiltins\nset\n)\x81.'), /NEWOBJ/);
    refuses(bin('\x80\x04cbuiltins\nset\n)}\x92.'), /NEWOBJ_EX/);
    refuses(bin('}}b.'), /BUILD/);
    refuses(bin('Pabc\n.'), /PERSID/);
    refuses(bin('N\x51.'), /BINPERSID/);
    refuses(bin('\x80\x02\x82\x01.'), /EXT1/);
    refuses(bin('\x80\x02\x83\x01\x00.'), /EXT2/);
    refuses(bin('\x80\x02\x84\x01\x00\x00\x00.'), /EXT4/);
    refuses(bin('\x80\x05\x97.'), /NEXT_BUFFER/);
    refuses(bin('\x80\x05C\x01a\x98.'), /READONLY_BUFFER/);
  });

  it('refuses REDUCE of allowed globals with unexpected arguments, and of non-globals', () => {
    refuses(bin("cbuiltins\nset\n(S'abc'\ntR."), /set\(\) takes one list/);
    refuses(bin('c_codecs\nencode\n(Vabc\nVutf8\ntR.'), /latin1/);
    refuses(bin('c_codecs\nencode\n(V\\u1234\nVlatin1\ntR.'), /beyond Latin-1/);
    refuses(bin('cdatetime\ndatetime\n(I2020\nI1\nI2\ntR.'), /state bytes/);
    refuses(bin('\x80\x03cdatetime\ndatetime\nC\x03abc\x85R.'), /10 bytes, not 3/);
    refuses(bin('\x80\x03cdatetime\ndate\nC\x04\x07\xe4\x0d\x01\x85R.'), /month 13/);
    refuses(bin('\x80\x03cdatetime\ntimedelta\nK\x00K\x00K\x00\x87R.'), /timedelta.*cannot stand/i);
    refuses(bin('\x80\x03cbuiltins\nset\n.'), /AllowedGlobal.*cannot stand/);
    refuses(bin('N)R.'), /calls something not allowed/);
    refuses(bin('\x80\x03cbuiltins\nset\n]]a\x85R.'), /unhashable/);
    refuses(bin('\x80\x03}]Ns.'), /unhashable dict key/);
  });

  it('refuses lengths beyond the input before allocating anything', () => {
    const before = process.memoryUsage().arrayBuffers;
    const claims = [
      `X${u32(0xffffffff)}abc.`,
      `\x80\x03B${u32(0xfffffff0)}abc.`,
      `\x80\x04\x8d\xff\xff\xff\xff\x00\x00\x00\x00abc.`,
      `\x80\x04\x8e\x00\x00\x00\x00\x01\x00\x00\x00abc.`,
      `\x80\x05\x96\xff\xff\xff\xff\xff\xff\xff\x7fabc.`,
      `\x80\x02\x8b\xff\xff\xff\x7fabc.`,
      `\x80\x04\x95\xff\xff\xff\xff\xff\xff\x00\x00N.`,
      `T\xff\xff\xff\x7fabc.`,
    ];
    for (const claim of claims) refuses(bin(claim), /bytes|beyond the input|length/);
    expect(process.memoryUsage().arrayBuffers - before).to.be.below(16 * 1024 * 1024);
  });

  it('refuses deep nesting, huge decimal ints, broken stacks and trailing bytes', () => {
    refuses(
      Buffer.concat([Buffer.alloc(5000, 0x5d), Buffer.alloc(4999, 0x61), bin('.')]),
      /deeper than 1000/,
    );
    refuses(bin(`I${'9'.repeat(5000)}\n.`), /more than 4300 digits/);
    refuses(bin('a.'), /empty stack/);
    refuses(bin('NN.'), /not one value/);
    refuses(bin('(N.'), /not one value/);
    refuses(bin('N.N'), /more bytes/);
    refuses(bin('N'), /before STOP/);
    refuses(bin(''), /before STOP/);
    refuses(bin('g7\n.'), /memo 7/);
    refuses(bin('\x80\x09N.'), /protocol 9/);
    refuses(bin('\xff.'), /0xff at offset 0: not a pickle opcode/);
  });

  it('decodes a payload of many shared references in linear time', () => {
    // 30 levels, each a list of 10 references to the level below: 10^30 paths, 300 references.
    let payload = '\x80\x03]q\x00';
    for (let level = 1; level <= 30; level += 1) {
      payload += `0](${`h${String.fromCharCode(level - 1)}`.repeat(10)}eq${String.fromCharCode(level)}`;
    }
    const start = Date.now();
    const value = serializer.Pickle.decode(bin(`${payload}.`)) as unknown[][];
    expect(Date.now() - start).to.be.below(200);
    expect(value).to.have.length(10);
    expect(value[0]).to.equal(value[9]);
  });

  describe('fuzzing (fast-check)', () => {
    const VALID: Buffer[] = [
      serializer.Pickle.encode({
        a: [1, 2n ** 70n, 'x', Buffer.from('b')],
        s: new Set([1]),
      }) as Buffer,
      serializer.Pickle.encode(
        new Map<unknown, unknown>([
          [1, new Date(0)],
          ['k', [null, 1.5]],
        ]),
      ) as Buffer,
      bin("(dp0\nVa\np1\n(lp2\nI1\naL99999999999999999999L\naF1.5\nasS'x'\np3\ng1\ns."),
      bin(
        '\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x08datetime\x94\x8c\x04date\x94\x93\x94C\x04\x07\xe4\x01\x02\x94\x85\x94R\x94.',
      ),
      bin('\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85q\x02Rq\x03.'),
      bin('\x80\x04\x95\t\x00\x00\x00\x00\x00\x00\x00\x8f\x94(K\x01K\x02\x90.'),
    ];

    /** Decodes; only a SerializationFailure may be thrown, and each case is quick. */
    function onlyFailures(payload: Uint8Array): boolean {
      const start = process.hrtime.bigint();
      try {
        serializer.Pickle.decode(Buffer.from(payload));
      } catch (error) {
        if (!(error instanceof SerializationFailure)) throw error;
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (ms > 100) throw new Error(`a case took ${ms} ms`);
      return true;
    }

    it('random bytes, bare and after a protocol header', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), onlyFailures), { numRuns: 3000 });
      const header = fc.constantFrom(...[0, 1, 2, 3, 4, 5].map((p) => [0x80, p]));
      fc.assert(
        fc.property(header, fc.uint8Array({ maxLength: 300 }), (h, rest) =>
          onlyFailures(Uint8Array.from([...h, ...rest])),
        ),
        { numRuns: 3000 },
      );
    });

    it('mutated valid payloads', () => {
      const mutation = fc.record({
        base: fc.nat(VALID.length - 1),
        at: fc.nat(),
        kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'byte'),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      });
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
          let payload = Buffer.from(VALID[mutations[0].base]);
          for (const { at, kind, bytes } of mutations) {
            const i = at % (payload.length + 1);
            if (kind === 'flip' && i < payload.length) payload[i] ^= bytes[0];
            else if (kind === 'byte' && i < payload.length) payload[i] = bytes[0];
            else if (kind === 'insert')
              payload = Buffer.concat([payload.subarray(0, i), bytes, payload.subarray(i)]);
            else if (kind === 'delete')
              payload = Buffer.concat([payload.subarray(0, i), payload.subarray(i + bytes.length)]);
            else payload = payload.subarray(0, i);
          }
          return onlyFailures(payload);
        }),
        { numRuns: 5000 },
      );
    });

    it('every encodable value round-trips', () => {
      const key = fc.oneof(fc.string(), fc.integer(), fc.constant(null));
      const leaf = fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true }),
        fc.string({ unit: 'grapheme' }),
        fc.bigInt().filter((n) => n > 2n ** 53n || n < -(2n ** 53n)),
        fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
      );
      const { value } = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: 'small' },
          leaf,
          tie('list'),
          tie('object'),
          tie('map'),
          tie('set'),
        ),
        list: fc.array(tie('value'), { maxLength: 5 }),
        object: fc.dictionary(fc.string(), tie('value'), { maxKeys: 5, noNullPrototype: true }),
        map: fc
          .array(fc.tuple(fc.integer(), tie('value')), { minLength: 1, maxLength: 4 })
          .map((e) => new Map(e)),
        set: fc.array(key, { maxLength: 5 }).map((items) => new Set(items)),
      }));
      fc.assert(
        fc.property(value, (v) => {
          expect(serializer.Pickle.decode(serializer.Pickle.encode(v))).to.deep.equal(v);
        }),
        { numRuns: 1000 },
      );
    });
  });
});
