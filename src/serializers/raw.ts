import { SerializationFailure, type Serializer } from './serializer.js';

/**
 * What a model uses when it has no serializer: strings (and Buffers) are stored as they are,
 * and replies come back as strings. Any other value is refused rather than silently turned
 * into `"[object Object]"`.
 */
export const Raw: Serializer<string> = {
  name: 'Raw',
  encode(value: string): string | Buffer {
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
    throw new SerializationFailure(
      `without a serializer only strings can be stored, got ${typeof value}; set SERIALIZER`,
    );
  },
  decode(raw: string | Buffer): string {
    return typeof raw === 'string' ? raw : raw.toString('utf8');
  },
};
