import { asText, SerializationFailure, type Serializer } from './serializer.js';

/**
 * Stores JSON text (`JSON.stringify` / `JSON.parse`), the layout of the Python ancestor's JSON
 * serializer. `undefined`, functions, symbols, bigints and circular structures are refused.
 *
 * An empty stored value reads as `''`: it is not JSON, but the ancestor stores its falsy values
 * without serializing them, so an empty string written by a Python service is stored empty.
 */
export const JsonSerializer: Serializer<unknown> = {
  name: 'JSON',
  encode(value: unknown): string {
    const text = JSON.stringify(value);
    if (text === undefined) {
      throw new SerializationFailure(`JSON cannot store a value of type ${typeof value}`);
    }
    return text;
  },
  decode(raw: string | Buffer): unknown {
    const text = asText(raw);
    return text === '' ? '' : JSON.parse(text);
  },
};
