import { asText, SerializationFailure, type Serializer } from './serializer.js';

const INTEGER = /^-?\d+$/;

/**
 * Stores safe integers as decimal text, the form Redis' `INCRBY` reads and writes, so values are
 * shared with `redis-cli` and the Python ancestor. `NaN`, `Infinity`, fractions and integers
 * beyond `Number.MAX_SAFE_INTEGER` are refused; a stored non-integer is a decode error.
 */
export const Numeric: Serializer<number> = {
  name: 'Numeric',
  encode(value: number): string {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new SerializationFailure(
        `Numeric serializer stores safe integers only, got ${typeof value === 'number' ? String(value) : typeof value}`,
      );
    }
    return String(value);
  },
  decode(raw: string | Buffer): number {
    const text = asText(raw);
    const value = Number(text);
    if (!INTEGER.test(text) || !Number.isSafeInteger(value)) {
      throw new SerializationFailure(
        `stored value ${JSON.stringify(text.slice(0, 40))} is not a safe integer`,
      );
    }
    return value;
  },
};
