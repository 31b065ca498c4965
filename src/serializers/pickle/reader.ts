import { SerializationFailure } from '../serializer.js';
import { opName } from './opcodes.js';

/**
 * A bounds-checked cursor over a pickle: every length is checked against what is left of the
 * input before anything is read or allocated, so a length field claiming gigabytes on a short
 * input is an error, never an allocation.
 *
 * @internal
 */
export class PickleReader {
  /** Offset of the next byte. */
  pos = 0;
  /** Offset and byte of the opcode being run (for messages). */
  opAt = 0;
  op = 0;

  constructor(readonly buf: Buffer) {}

  /** A failure naming the current opcode and its offset. */
  fail(message: string): SerializationFailure {
    return new SerializationFailure(
      `Pickle: opcode ${opName(this.op)} at offset ${this.opAt}: ${message}`,
    );
  }

  /** Whether bytes are left. */
  more(): boolean {
    return this.pos < this.buf.length;
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) {
      throw this.fail(`needs ${n} bytes, ${this.buf.length - this.pos} left in the input`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  u16(): number {
    this.need(2);
    const value = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return value;
  }

  i32(): number {
    this.need(4);
    const value = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  /** An 8-byte little-endian length; anything beyond the input fails before a read. */
  u64(): number {
    this.need(8);
    const low = this.buf.readUInt32LE(this.pos);
    const high = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    if (high !== 0) throw this.fail('claims a length beyond the input');
    return low;
  }

  f64(): number {
    this.need(8);
    const value = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return value;
  }

  /** `n` bytes as a view into the input (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  /** The bytes up to the next `\n` (excluded), as a view; the newline is consumed. */
  line(): Buffer {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) throw this.fail('has no end of line');
    const view = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return view;
  }

  /** A line of ASCII text (protocol 0 arguments). */
  asciiLine(): string {
    const line = this.line();
    for (const byte of line) if (byte > 0x7f) throw this.fail('has a non-ASCII argument');
    return line.toString('latin1');
  }
}
