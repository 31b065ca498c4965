import { JsonSerializer } from './json.js';
import { Numeric } from './numeric.js';
import { Pickle } from './pickle/index.js';
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
 * | `Pickle` | Python pickle, protocol 3 (reads 0 to 5), data types only | numbers, strings, Buffers, arrays, objects or Maps, Sets, Dates, BigInts |
 * | `Raw` | strings and Buffers as they are (the default) | strings |
 */
export const serializer = {
  JSON: JsonSerializer,
  String: StringSerializer,
  Numeric,
  Typed,
  Pickle,
  Raw,
} as const;
