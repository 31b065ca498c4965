import { JsonSerializer } from './json.js';
import { Numeric } from './numeric.js';
import { Raw } from './raw.js';
import { StringSerializer } from './string.js';
import { Typed } from './typed.js';

/**
 * The built-in serializers.
 *
 * | name | stores | returns |
 * |---|---|---|
 * | `JSON` | `JSON.stringify` text | parsed JSON |
 * | `String` | text (`String()` of primitives) | strings |
 * | `Numeric` | safe integers as decimal text | numbers |
 * | `Typed` | tagged JSON: registered class instances, Date, Map, Set, BigInt | the same types |
 * | `Raw` | strings and Buffers as they are (the default) | strings |
 */
export const serializer = {
  JSON: JsonSerializer,
  String: StringSerializer,
  Numeric,
  Typed,
  Raw,
} as const;
