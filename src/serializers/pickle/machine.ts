import { Dict } from './finish.js';
import { AllowedGlobal, allowedGlobal } from './globals.js';
import { hashable } from './hashable.js';
import type { PickleReader } from './reader.js';
import { TextFailure, utf8 } from './text.js';

/**
 * The state of the Pickle decoder (`decoder.ts`): its stack, marks and memo, and the checked
 * steps its opcodes are made of. Each step costs time in proportion to the bytes it reads or
 * the items it takes off the stack; each failure names the opcode and offset (`r.fail`).
 *
 * @internal
 */
export class Machine {
  /** The values made so far; the top is the last. */
  readonly stack: unknown[] = [];
  /** The stack lengths at each MARK not yet popped. */
  readonly marks: number[] = [];
  /** The memo: dense indices in an array, others (hostile, sparse) in a Map. */
  readonly memo: unknown[] = [];
  readonly sparse = new Map<number, unknown>();
  /** The arrays that are Python lists (tuples are arrays too, but never appended to). */
  readonly lists = new WeakSet<object>();
  /** Values already found hashable (each checked once). */
  readonly approved = new WeakSet<object>();
  /** Whether a value may be a dict key or a set member (Python's hashable). */
  readonly isHashable = (value: unknown): boolean => hashable(value, this.approved, this.lists);

  /** @param r - the input, read opcode by opcode. */
  constructor(readonly r: PickleReader) {}

  /** Where the stack above the last MARK starts. */
  base(): number {
    return this.marks.length === 0 ? 0 : this.marks[this.marks.length - 1];
  }

  /** Takes the top value (never below the last MARK). */
  pop(): unknown {
    if (this.stack.length <= this.base()) throw this.r.fail('pops an empty stack');
    return this.stack.pop();
  }

  /** The top value, left in place. */
  top(): unknown {
    if (this.stack.length <= this.base()) throw this.r.fail('reads an empty stack');
    return this.stack[this.stack.length - 1];
  }

  /** Takes every value above the last MARK, and the MARK. */
  popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) throw this.r.fail('has no MARK to pop');
    return this.stack.splice(mark);
  }

  /** `items` as a Python list. */
  list(items: unknown[]): unknown[] {
    this.lists.add(items);
    return items;
  }

  /** Pushes memo entry `index`. */
  get(index: number): void {
    if (index < this.memo.length) this.stack.push(this.memo[index]);
    else if (this.sparse.has(index)) this.stack.push(this.sparse.get(index));
    else throw this.r.fail(`reads memo ${index}, never stored`);
  }

  /** Stores the top value as memo entry `index`. */
  put(index: number): void {
    const value = this.top();
    if (index < this.memo.length) this.memo[index] = value;
    else if (index === this.memo.length && this.sparse.size === 0) this.memo.push(value);
    else this.sparse.set(index, value);
  }

  /** Runs a text parse, its `TextFailure` becoming a failure naming the opcode. */
  text<T>(read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof TextFailure) throw this.r.fail(error.message);
      throw error;
    }
  }

  /** A UTF-8 str of `length` bytes; short ASCII ones without a Buffer view. */
  str(length: number): string {
    const r = this.r;
    if (length <= 24 && length <= r.buf.length - r.pos) {
      const buf = r.buf;
      let out = '';
      for (let i = r.pos, end = r.pos + length; i < end; i += 1) {
        const byte = buf[i];
        if (byte > 0x7f) {
          out = '';
          break;
        }
        out += String.fromCharCode(byte);
        if (i === end - 1) {
          r.pos = end;
          return out;
        }
      }
      if (length === 0) return '';
    }
    const bytes = r.bytes(length);
    try {
      return utf8(bytes);
    } catch (error) {
      if (error instanceof TextFailure) throw r.fail(error.message);
      throw error;
    }
  }

  /** A Python 2 str as text: ASCII only (its encoding is unknown). */
  ascii(bytes: Buffer): string {
    for (const byte of bytes) {
      if (byte > 0x7f) throw this.r.fail('a Python 2 str with non-ASCII bytes has no known text');
    }
    return bytes.toString('latin1');
  }

  /** Sets key/value pairs on a dict, each key checked hashable. */
  setItems(target: unknown, items: unknown[]): void {
    if (!(target instanceof Dict)) throw this.r.fail('sets items on something not a dict');
    if (items.length % 2 !== 0) throw this.r.fail('has a key without a value');
    for (let i = 0; i < items.length; i += 2) {
      if (!this.isHashable(items[i])) throw this.r.fail('has an unhashable dict key');
      target.set(items[i], items[i + 1]);
    }
  }

  /** Appends to a list (never to a tuple). */
  appendTo(target: unknown, items: unknown[]): void {
    if (!Array.isArray(target) || !this.lists.has(target)) {
      throw this.r.fail('appends to something not a list');
    }
    for (const item of items) target.push(item);
  }

  /** Adds hashable items to a set. */
  addTo(target: Set<unknown>, items: unknown[]): Set<unknown> {
    for (const item of items) {
      if (!this.isHashable(item)) throw this.r.fail('adds an unhashable item to a set');
      target.add(item);
    }
    return target;
  }

  /** Pushes an allowed global, refusing any other. */
  global(module: string, name: string): void {
    const found = allowedGlobal(module, name);
    if (found === undefined) {
      throw this.r.fail(`names the global ${module}.${name}, which is not on the allow-list`);
    }
    this.stack.push(found);
  }

  /** Calls an allowed global with its argument tuple (REDUCE). */
  reduce(): void {
    const args = this.pop();
    const callable = this.pop();
    if (!(callable instanceof AllowedGlobal)) throw this.r.fail('calls something not allowed');
    if (!Array.isArray(args) || this.lists.has(args)) throw this.r.fail('has no argument tuple');
    const result = callable.reduce(args, this.isHashable);
    if ('error' in result) throw this.r.fail(`${callable.name}: ${result.error}`);
    this.stack.push(result.value);
  }
}
