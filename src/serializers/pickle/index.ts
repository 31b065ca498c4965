import type { Serializer } from '../serializer.js';
import { decodePickle } from './decoder.js';
import { encodePickle } from './encoder.js';

export { ALLOWED_GLOBALS } from './globals.js';

/**
 * Python's pickle format, for data only: reads what `pickle.dumps` writes (protocols 0 to 5)
 * for `None`, `bool`, `int`, `float`, `str`, `bytes`, `bytearray`, `list`, `tuple`, `dict`,
 * `set`, `frozenset`, `datetime.datetime` and `datetime.date`, and writes protocol 3, which
 * every Python 3 reads. Never calls or builds anything outside a fixed allow-list of globals:
 * any other global, `INST`, `OBJ`, `NEWOBJ`, `BUILD`, persistent ids and extension codes are
 * refused.
 *
 * | Python | JavaScript (decode) | Python (encode) |
 * |---|---|---|
 * | `None`, `bool`, `str` | `null`, `boolean`, `string` | the same |
 * | `int` | `number` when safe, else `bigint` | `int` (integers), `bigint` |
 * | `float` | `number` | non-integer numbers, `-0`, `NaN`, `±Infinity` |
 * | `bytes`, `bytearray` | `Buffer` | `bytes` (from `Buffer`, `Uint8Array`) |
 * | `list`, `tuple` | array | `list` (`tuple` as a dict key or set member) |
 * | `dict` | plain object when every key is a `str`, else `Map` | `dict` |
 * | `set`, `frozenset` | `Set` | `set` (`frozenset` when nested in a key or set) |
 * | `datetime`, `date` | `Date` (naive = UTC) | aware `datetime` in UTC |
 *
 * Shared references and cycles through lists and dicts are kept both ways. Failures are
 * `SerializationFailure`s naming the opcode and offset; the model reports them as an
 * `EncodeError` or `DecodeError` with its name and key. It is `binary`: the
 * models hand it the stored bytes as Buffers (a string, from elsewhere, is read as UTF-8).
 */
export const Pickle: Serializer<unknown> = {
  name: 'Pickle',
  binary: true,
  encode: encodePickle,
  decode(raw: string | Buffer): unknown {
    return decodePickle(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  },
};
