import {
  asText,
  ILL_FORMED,
  isWellFormed,
  SerializationFailure,
  type Serializer,
} from './serializer.js';

/** Primitive values the String serializer accepts. */
export type Stringable = string | number | boolean | bigint;

/**
 * Stores text. Numbers, booleans and bigints are stored as their `String()` form (as the Python
 * ancestor's `str()`); objects are refused, and so are strings with a lone surrogate (they would
 * come back changed). Values always come back as strings.
 */
export const StringSerializer: Serializer<string> = {
  name: 'String',
  encode(value: Stringable): string {
    switch (typeof value) {
      case 'string':
        if (!isWellFormed(value)) throw new SerializationFailure(ILL_FORMED);
        return value;
      case 'number':
      case 'boolean':
      case 'bigint':
        return String(value);
      default:
        throw new SerializationFailure(
          `String serializer cannot store a value of type ${typeof value}`,
        );
    }
  },
  decode: asText,
};
