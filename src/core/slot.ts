/** The hash tag Redis Cluster would use for `key`, or undefined when it has none. */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** CRC16-CCITT (XMODEM) lookup table, as Redis Cluster uses for key slots. */
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/**
 * The Redis Cluster hash slot (0-16383) of a key, honouring `{hash tags}` exactly as the server
 * does. Kept here rather than taken from `cluster-key-slot` (node-redis' own): that package
 * gives another slot than Redis for keys such as `{}{a}` (an empty first tag: Redis hashes the
 * whole key), which spec/transport/cluster.spec.ts checks against `CLUSTER KEYSLOT`; a slot
 * check must agree with the server, which is what answers CROSSSLOT.
 *
 * @internal
 */
export function slotOf(key: string | Buffer): number {
  if (typeof key === 'string') {
    const hashed = hashTag(key) ?? key;
    const ascii = asciiCrc(hashed);
    if (ascii >= 0) return ascii & 16383;
  }
  const text = typeof key === 'string' ? key : key.toString('latin1');
  const tag = typeof key === 'string' ? hashTag(key) : hashTag(text);
  const bytes =
    typeof key === 'string' ? Buffer.from(tag ?? key, 'utf8') : Buffer.from(tag ?? text, 'latin1');
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc & 16383;
}

/**
 * The CRC16 of an ASCII string (its UTF-8 bytes are its char codes), without allocating a
 * Buffer: -1 when a character is not ASCII (the caller then hashes the UTF-8 bytes).
 */
function asciiCrc(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ code) & 0xff];
  }
  return crc;
}
