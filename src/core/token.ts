import { randomBytes } from 'node:crypto';

/** 128 random bits drawn once per process: what makes tokens unique across processes. */
const PROCESS = randomBytes(16).toString('hex');
let sequence = 0;

/**
 * A new owner token (locks, cache markers): unique across processes and calls, never `''`.
 * A per-process random prefix and a counter, instead of fresh random bytes per call (drawing
 * 16 random bytes took 15 % of the CPU of a lock benchmark). Tokens only need to be unique:
 * they identify an owner, they are not secrets (anyone who can read the key sees them).
 *
 * @internal
 */
export function newToken(): string {
  sequence += 1;
  return `${PROCESS}:${sequence.toString(36)}`;
}

/** 72 random bits per process, base64url: what makes message ids unique across processes. */
const ID_PREFIX = randomBytes(9).toString('base64url');
let ids = 0;

/**
 * A new message id (ReliableQueue): short, unique across processes and calls (a per-process
 * random prefix and a counter), and made of `[A-Za-z0-9_-]` only.
 *
 * @internal
 */
export function newId(): string {
  ids += 1;
  return `${ID_PREFIX}${ids.toString(36)}`;
}
