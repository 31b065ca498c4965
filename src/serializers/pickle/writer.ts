/**
 * A growable byte buffer for the encoder.
 *
 * @internal
 */
export class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  private length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(value: number): void {
    this.room(1);
    this.buf[this.length++] = value;
  }

  /** An opcode byte followed by a 1-byte argument. */
  pair(op: number, value: number): void {
    this.room(2);
    this.buf[this.length++] = op;
    this.buf[this.length++] = value;
  }

  u16(value: number): void {
    this.room(2);
    this.length = this.buf.writeUInt16LE(value, this.length);
  }

  i32(value: number): void {
    this.room(4);
    this.length = this.buf.writeInt32LE(value, this.length);
  }

  u32(value: number): void {
    this.room(4);
    this.length = this.buf.writeUInt32LE(value, this.length);
  }

  f64(value: number): void {
    this.room(8);
    this.length = this.buf.writeDoubleBE(value, this.length);
  }

  bytes(value: Uint8Array): void {
    this.room(value.length);
    this.buf.set(value, this.length);
    this.length += value.length;
  }

  /** ASCII text (opcode arguments such as module names). */
  ascii(text: string): void {
    this.room(text.length);
    this.length += this.buf.write(text, this.length, 'latin1');
  }

  /** The bytes written, copied out. */
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}
