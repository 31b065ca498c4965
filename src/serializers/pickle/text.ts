/**
 * Text forms of a pickle: UTF-8 as Python writes it (`surrogatepass`), protocol 0's
 * `raw-unicode-escape` strings, Python 2 string literals, and decimal numbers.
 *
 * @internal
 * @module
 */

/** Python's limit on the digits of an int read from text (`sys.int_info.default_max_str_digits`). */
export const MAX_DIGITS = 4300;

/** Thrown by these helpers; the decoder adds the opcode and offset. */
export class TextFailure extends Error {}

/** The UTF-8 bytes of a pickled str: Python writes lone surrogates as 3-byte sequences. */
export function utf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.includes('\uFFFD') ? strictUtf8(bytes) : text;
}

function continuation(bytes: Buffer, at: number): number {
  const byte = bytes[at];
  if (byte === undefined || (byte & 0xc0) !== 0x80) throw new TextFailure('invalid UTF-8');
  return byte & 0x3f;
}

/** A full decode that keeps U+FFFD written as such and surrogates, and refuses bad bytes. */
function strictUtf8(bytes: Buffer): string {
  const units: number[] = [];
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    let code: number;
    if (lead < 0x80) {
      code = lead;
      i += 1;
    } else if (lead >= 0xc2 && lead < 0xe0) {
      code = ((lead & 0x1f) << 6) | continuation(bytes, i + 1);
      i += 2;
    } else if (lead >= 0xe0 && lead < 0xf0) {
      code = ((lead & 0x0f) << 12) | (continuation(bytes, i + 1) << 6) | continuation(bytes, i + 2);
      if (code < 0x800) throw new TextFailure('invalid UTF-8');
      i += 3;
    } else if (lead >= 0xf0 && lead < 0xf5) {
      code =
        ((lead & 0x07) << 18) |
        (continuation(bytes, i + 1) << 12) |
        (continuation(bytes, i + 2) << 6) |
        continuation(bytes, i + 3);
      if (code < 0x10000 || code > 0x10ffff) throw new TextFailure('invalid UTF-8');
      i += 4;
    } else {
      throw new TextFailure('invalid UTF-8');
    }
    if (code > 0xffff) units.push(0xd800 + ((code - 0x10000) >> 10), 0xdc00 + (code & 0x3ff));
    else units.push(code);
    if (units.length >= 4096) out += String.fromCharCode(...units.splice(0));
  }
  return out + String.fromCharCode(...units);
}

function hexCode(text: string, at: number, digits: number): number {
  const hex = text.slice(at, at + digits);
  if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new TextFailure('bad \\u escape');
  }
  const code = parseInt(hex, 16);
  if (code > 0x10ffff) throw new TextFailure('\\U escape beyond U+10FFFF');
  return code;
}

/**
 * Protocol 0's `UNICODE` argument (`raw-unicode-escape`): Latin-1 bytes where `\uXXXX` and
 * `\UXXXXXXXX` are escapes when an odd number of backslashes leads them.
 */
export function rawUnicodeEscape(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  if (!text.includes('\\')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const slash = text.indexOf('\\', i);
    if (slash < 0) return out + text.slice(i);
    let end = slash;
    while (text[end] === '\\') end += 1;
    const next = text[end];
    if ((end - slash) % 2 === 1 && (next === 'u' || next === 'U')) {
      const digits = next === 'u' ? 4 : 8;
      out += text.slice(i, end - 1) + String.fromCodePoint(hexCode(text, end + 1, digits));
      i = end + 1 + digits;
    } else {
      out += text.slice(i, end);
      i = end;
    }
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\n': '',
};

/** A Python 2 `STRING` argument: a quoted literal with backslash escapes, as bytes. */
export function pythonLiteral(line: string): Buffer {
  const quote = line[0];
  if (line.length < 2 || (quote !== "'" && quote !== '"') || line[line.length - 1] !== quote) {
    throw new TextFailure('the STRING argument is not quoted');
  }
  const body = line.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (ch !== '\\') {
      out.push(body.charCodeAt(i));
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new TextFailure('the STRING argument ends with a backslash');
    i += 1;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      for (const c of simple) out.push(c.charCodeAt(0));
    } else if (next === 'x') {
      out.push(hexCode(body, i + 1, 2));
      i += 2;
    } else if (next >= '0' && next <= '7') {
      const octal = /^[0-7]{1,3}/.exec(body.slice(i, i + 3))![0];
      out.push(parseInt(octal, 8) & 0xff);
      i += octal.length - 1;
    } else {
      out.push(0x5c, body.charCodeAt(i));
    }
  }
  return Buffer.from(out);
}

/** A decimal integer as Python's `int()` reads it: a number when safe, else a BigInt. */
export function decimalInt(text: string): number | bigint {
  if (!/^[+-]?\d+$/.test(text)) throw new TextFailure(`"${text.slice(0, 40)}" is not an integer`);
  if (text.length > MAX_DIGITS + 1) {
    throw new TextFailure(`an integer of more than ${MAX_DIGITS} digits`);
  }
  if (text.length <= 16) {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
  }
  return narrow(BigInt(text));
}

/** A BigInt as a number when it is a safe integer. */
export function narrow(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

const FLOAT_TEXT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

/** A float as Python's `float()` reads protocol 0's `FLOAT` argument (`1.5`, `inf`, `nan`). */
export function decimalFloat(text: string): number {
  if (!FLOAT_TEXT.test(text)) throw new TextFailure(`"${text.slice(0, 40)}" is not a float`);
  const lower = text.toLowerCase().replace(/^\+/, '');
  if (lower.endsWith('nan')) return NaN;
  if (lower === 'inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return Number(text);
}

/** A little-endian two's complement integer (`LONG1`/`LONG4`). */
export function twosComplement(bytes: Buffer): number | bigint {
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) {
    const value = bytes.readIntLE(0, bytes.length);
    return value === 0 ? 0 : value;
  }
  const hex = Buffer.from(bytes).reverse().toString('hex');
  let value = BigInt(`0x${hex}`);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return narrow(value);
}
