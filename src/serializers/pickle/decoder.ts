import { Dict, finish } from './finish.js';
import { Machine } from './machine.js';
import { Op } from './opcodes.js';
import { PickleReader } from './reader.js';
import {
  decimalFloat,
  decimalInt,
  pythonLiteral,
  rawUnicodeEscape,
  twosComplement,
  utf8,
} from './text.js';

/**
 * The Pickle decoder: a stack machine for the data opcodes of protocols 0 to 5 that never
 * calls anything outside the allow-list (`globals.ts`). Each opcode costs time in proportion to
 * the bytes it reads or the items it takes off the stack, so a decode is linear in its input.
 *
 * @internal
 * @module
 */

/** Opcodes that make objects of arbitrary classes or look outside the pickle: always refused. */
const REFUSED = new Set<number>([
  Op.INST,
  Op.OBJ,
  Op.NEWOBJ,
  Op.NEWOBJ_EX,
  Op.BUILD,
  Op.PERSID,
  Op.BINPERSID,
  Op.EXT1,
  Op.EXT2,
  Op.EXT4,
  Op.NEXT_BUFFER,
  Op.READONLY_BUFFER,
]);

/** Runs the opcodes of the input of `m` up to STOP: the decoded value. */
function run(m: Machine): unknown {
  const r = m.r;
  const s = m.stack;
  while (r.more()) {
    r.opAt = r.pos;
    const op = (r.op = r.u8());
    switch (op) {
      case Op.PROTO: {
        const version = r.u8();
        if (version > 5) throw r.fail(`protocol ${version} is not known`);
        break;
      }
      case Op.FRAME:
        r.u64();
        break;
      case Op.STOP: {
        if (s.length !== 1 || m.marks.length !== 0) {
          throw r.fail('stops with a stack that is not one value');
        }
        if (r.more()) throw r.fail('is followed by more bytes');
        return finish(s[0]);
      }
      case Op.MARK:
        m.marks.push(s.length);
        break;
      case Op.POP:
        if (s.length > m.base()) s.pop();
        else m.popMark();
        break;
      case Op.POP_MARK:
        m.popMark();
        break;
      case Op.DUP:
        s.push(m.top());
        break;
      case Op.NONE:
        s.push(null);
        break;
      case Op.NEWTRUE:
        s.push(true);
        break;
      case Op.NEWFALSE:
        s.push(false);
        break;
      case Op.INT: {
        const line = r.asciiLine();
        s.push(line === '00' ? false : line === '01' ? true : m.text(() => decimalInt(line)));
        break;
      }
      case Op.LONG: {
        const line = r.asciiLine();
        s.push(m.text(() => decimalInt(line.endsWith('L') ? line.slice(0, -1) : line)));
        break;
      }
      case Op.BININT:
        s.push(r.i32());
        break;
      case Op.BININT1:
        s.push(r.u8());
        break;
      case Op.BININT2:
        s.push(r.u16());
        break;
      case Op.LONG1:
        s.push(twosComplement(r.bytes(r.u8())));
        break;
      case Op.LONG4: {
        const length = r.i32();
        if (length < 0) throw r.fail('has a negative length');
        s.push(twosComplement(r.bytes(length)));
        break;
      }
      case Op.FLOAT: {
        const line = r.asciiLine();
        s.push(m.text(() => decimalFloat(line)));
        break;
      }
      case Op.BINFLOAT:
        s.push(r.f64());
        break;
      case Op.STRING: {
        const line = r.asciiLine();
        s.push(m.ascii(m.text(() => pythonLiteral(line))));
        break;
      }
      case Op.BINSTRING: {
        const length = r.i32();
        if (length < 0) throw r.fail('has a negative length');
        s.push(m.ascii(r.bytes(length)));
        break;
      }
      case Op.SHORT_BINSTRING:
        s.push(m.ascii(r.bytes(r.u8())));
        break;
      case Op.UNICODE: {
        const line = r.line();
        s.push(m.text(() => rawUnicodeEscape(line)));
        break;
      }
      case Op.SHORT_BINUNICODE:
        s.push(m.str(r.u8()));
        break;
      case Op.BINUNICODE:
        s.push(m.str(r.u32()));
        break;
      case Op.BINUNICODE8: {
        const bytes = r.bytes(r.u64());
        s.push(m.text(() => utf8(bytes)));
        break;
      }
      case Op.SHORT_BINBYTES:
        s.push(Buffer.from(r.bytes(r.u8())));
        break;
      case Op.BINBYTES:
        s.push(Buffer.from(r.bytes(r.u32())));
        break;
      case Op.BINBYTES8:
      case Op.BYTEARRAY8:
        s.push(Buffer.from(r.bytes(r.u64())));
        break;
      case Op.EMPTY_TUPLE:
        s.push([]);
        break;
      case Op.TUPLE:
        s.push(m.popMark());
        break;
      case Op.TUPLE1: {
        const a = m.pop();
        s.push([a]);
        break;
      }
      case Op.TUPLE2: {
        const b = m.pop();
        const a = m.pop();
        s.push([a, b]);
        break;
      }
      case Op.TUPLE3: {
        const c = m.pop();
        const b = m.pop();
        const a = m.pop();
        s.push([a, b, c]);
        break;
      }
      case Op.EMPTY_LIST:
        s.push(m.list([]));
        break;
      case Op.LIST:
        s.push(m.list(m.popMark()));
        break;
      case Op.APPEND: {
        const item = m.pop();
        m.appendTo(m.top(), [item]);
        break;
      }
      case Op.APPENDS: {
        const items = m.popMark();
        m.appendTo(m.top(), items);
        break;
      }
      case Op.EMPTY_DICT:
        s.push(new Dict());
        break;
      case Op.DICT: {
        const dict = new Dict();
        m.setItems(dict, m.popMark());
        s.push(dict);
        break;
      }
      case Op.SETITEM: {
        const value = m.pop();
        const key = m.pop();
        m.setItems(m.top(), [key, value]);
        break;
      }
      case Op.SETITEMS: {
        const items = m.popMark();
        m.setItems(m.top(), items);
        break;
      }
      case Op.EMPTY_SET:
        s.push(new Set());
        break;
      case Op.ADDITEMS: {
        const items = m.popMark();
        const target = m.top();
        if (!(target instanceof Set)) throw r.fail('adds items to something not a set');
        m.addTo(target, items);
        break;
      }
      case Op.FROZENSET:
        s.push(m.addTo(new Set(), m.popMark()));
        break;
      case Op.GET:
        m.get(m.text(() => Number(decimalInt(r.asciiLine()))));
        break;
      case Op.BINGET:
        m.get(r.u8());
        break;
      case Op.LONG_BINGET:
        m.get(r.u32());
        break;
      case Op.PUT: {
        const index = m.text(() => decimalInt(r.asciiLine()));
        if (typeof index !== 'number' || index < 0) throw r.fail('has a bad memo index');
        m.put(index);
        break;
      }
      case Op.BINPUT:
        m.put(r.u8());
        break;
      case Op.LONG_BINPUT:
        m.put(r.u32());
        break;
      case Op.MEMOIZE:
        m.put(m.memo.length + m.sparse.size);
        break;
      case Op.GLOBAL: {
        const module = m.text(() => utf8(r.line()));
        const name = m.text(() => utf8(r.line()));
        m.global(module, name);
        break;
      }
      case Op.STACK_GLOBAL: {
        const name = m.pop();
        const module = m.pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw r.fail('names a global with something not a str');
        }
        m.global(module, name);
        break;
      }
      case Op.REDUCE:
        m.reduce();
        break;
      default:
        throw r.fail(REFUSED.has(op) ? 'refused: it is not data' : 'not a pickle opcode');
    }
  }
  throw r.fail('the input ends before STOP');
}

/**
 * Decodes a pickle made of data (see `Pickle`); throws `SerializationFailure` naming the opcode
 * and offset on anything else.
 */
export function decodePickle(input: Buffer): unknown {
  return run(new Machine(new PickleReader(input)));
}
