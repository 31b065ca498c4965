import { ILL_FORMED, isWellFormed, SerializationFailure, type Serializer } from './serializer.js';

/**
 * What a model uses when it has no serializer: strings (and Buffers) are stored as they are,
 * and replies come back as strings. Any other value is refused rather than silently turned
 * into `"[object Object]"`, and so is a string with a lone surrogate, which would come back
 * changed (use a Buffer, or the JSON serializer, which escapes it).
 */
export const Raw: Serializer<string> = {
  name: 'Raw',
  encode(value: string): string | Buffer {
    if (typeof value === 'string') {
      if (!isWellFormed(value)) throw new SerializationFailure(ILL_FORMED);
      return value;
    }
    if (Buffer.isBuffer(value)) return value;
    throw new SerializationFailure(
      `without a serializer only strings can be stored, got ${typeof value}; set SERIALIZER`,
    );
  },
  decode(raw: string | Buffer): string {
    return typeof raw === 'string' ? raw : raw.toString('utf8');
  },
};
