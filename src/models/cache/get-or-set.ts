import type { RedisArg } from '../../core/command.js';
import type { Connection } from '../../connection/connection.js';
import { integer } from '../../core/decoders.js';
import { hashTag, sideKey } from '../../core/keys.js';
import { Script } from '../../core/script.js';
import { newToken } from '../../core/token.js';
import type { Tools } from '../handle.js';
import type { Tally } from './stats.js';
import { modelEvent } from '../../core/tracing.js';

/**
 * `Cache.getOrSet`: the protocol that computes a missing entry once across processes (the
 * scripts cache-fetch, cache-store and cache-release, and a blocking wait between them). Its
 * steps run at once (`now`): the Cache refuses it in a batch before it starts.
 *
 * @internal
 * @module
 */

const fetchScript = Script.of('cache-fetch-3');
const storeScript = Script.of('cache-store-3');
const releaseScript = Script.of('cache-release-2');

/** A waiter re-checks at least this often (ms), even when no wake-up comes. */
const WAIT_CAP = 1_000;

/** A stored value as a reply brings it. */
export type StoredReply = string | Buffer;

/** One entry of a cache as the protocol sees it: its key, and its cache's helpers, lent. */
export interface EntryHandle<T> extends Pick<
  Tools,
  'key' | 'modelName' | 'read' | 'script' | 'blocking' | 'now' | 'encode'
> {
  /** The cache's serializer, errors naming the entry: a stored value read back. */
  decode(raw: StoredReply): T;
  /**
   * A decoder of a reply that carries the stored value, as the command must name it: for a
   * binary serializer a marked copy (bulk strings as Buffers; see `values.ts`), else `read`.
   */
  stored<R>(read: (reply: unknown) => R): (reply: unknown) => R;
  /** The cache's Connection class (the waits of one process are shared per Connection). */
  readonly connection: typeof Connection;
}

/** The checked options of one getOrSet call, as the scripts take them. */
export interface GetOrSetArgs {
  /** The entry's `PX` in ms, or `''` for no expiry. */
  readonly ttl: string;
  /** The marker's lifetime in ms. */
  readonly lockTtl: string;
  /** The counters a hit or a miss goes to. */
  readonly tally: Tally;
  /** Stops this caller's waits; handed to `compute`. */
  readonly signal?: AbortSignal;
}

/** What computes a missing value; it gets the caller's signal, if any. */
export type Compute<T> = (signal?: AbortSignal) => T | Promise<T>;

type Fetched =
  { state: 'hit'; raw: StoredReply } | { state: 'claimed' } | { state: 'busy'; pttl: number };

/** Per Connection class, per wake-up list: the blocking wait this process already runs. */
const waits = new WeakMap<typeof Connection, Map<string, Promise<unknown>>>();

/**
 * A helper key of an entry, in the entry's cluster slot and outside the cache's namespace:
 * `sideKey(entry, suffix)`, `{entry}:suffix`. When the entry key carries a hash tag, `sideKey`
 * would give `entry:suffix`, which SCAN would take for an entry: the tag then goes first
 * instead, `{tag}~suffix:entry`. When it has none but holds a `}` (`{entry}` would end early,
 * in another slot), a short tag of its slot does: `{slotTag}~suffix:entry`.
 */
export function entrySideKey(entry: string, suffix: string): string {
  const tag = hashTag(entry);
  if (tag !== undefined) return `{${tag}}~${suffix}:${entry}`;
  return sideKey(entry, suffix); // {entry}:suffix, or {slotTag}~suffix:entry for a `}` in it
}

function rawOrNull(reply: unknown): StoredReply | null {
  return reply === null || reply === undefined ? null : (reply as StoredReply);
}

function fetched(reply: unknown): Fetched {
  const [state, payload] = reply as [unknown, unknown];
  switch (integer(state)) {
    case 1:
      return { state: 'hit', raw: payload as StoredReply };
    case 0:
      return { state: 'claimed' };
    default:
      return { state: 'busy', pttl: integer(payload) };
  }
}

/**
 * The value of `entry`; when it is missing, `compute()` runs once among every caller asking for
 * it (GET; then the fetch script reads it again or claims its marker; the winner computes and
 * stores, the others wait for the wake-up and go back to the fetch).
 */
export async function getOrSet<T>(
  entry: EntryHandle<T>,
  compute: Compute<T>,
  args: GetOrSetArgs,
): Promise<T> {
  const { signal } = args;
  signal?.throwIfAborted();
  const cached = await entry.now(entry.read(['GET', entry.key], entry.stored(rawOrNull)));
  if (cached !== null) {
    args.tally.hits += 1;
    modelEvent({ event: 'cache-hit', model: entry.modelName, key: entry.key });
    return entry.decode(cached);
  }
  const token = newToken();
  const keys = [
    entry.key,
    entrySideKey(entry.key, 'computing'),
    entrySideKey(entry.key, 'done'),
  ] as const;
  const decode = entry.stored(fetched);
  for (;;) {
    const state = await entry.now(
      entry.script(fetchScript, keys, [token, args.lockTtl], { write: true, decode }),
    );
    if (state.state === 'hit') {
      args.tally.hits += 1;
      modelEvent({ event: 'cache-hit', model: entry.modelName, key: entry.key });
      return entry.decode(state.raw);
    }
    if (state.state === 'claimed') {
      args.tally.misses += 1;
      modelEvent({ event: 'cache-miss', model: entry.modelName, key: entry.key });
      return computeAndStore(entry, compute, keys, token, args);
    }
    await abortable(waitFor(entry, keys[2], state.pttl), signal);
  }
}

/**
 * `wait` (shared with this process's other waiters of the entry), or the signal's reason as
 * soon as it aborts: the shared wait goes on for the others.
 */
function abortable<R>(wait: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (signal === undefined) return wait;
  signal.throwIfAborted();
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    wait.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The winner's part: compute, then store and wake, or free the marker and wake. */
async function computeAndStore<T>(
  entry: EntryHandle<T>,
  compute: Compute<T>,
  keys: readonly [string, string, string],
  token: string,
  args: GetOrSetArgs,
): Promise<T> {
  let encoded: RedisArg;
  try {
    encoded = entry.encode(await compute(args.signal));
  } catch (error) {
    // The marker would expire anyway: a failure to free it must not hide compute's error.
    await entry
      .now(entry.script(releaseScript, keys.slice(1), [token, args.lockTtl], { write: true }))
      .catch(() => undefined);
    throw error;
  }
  await entry.now(
    entry.script(storeScript, keys, [token, encoded, args.ttl, args.lockTtl], { write: true }),
  );
  return entry.decode(encoded);
}

/**
 * Waits for a wake-up on `list` for at most the marker's `pttl` ms (at most `WAIT_CAP`), on a
 * blocking connection. The callers of this process waiting on the same entry share one wait.
 */
function waitFor(entry: EntryHandle<unknown>, list: string, pttl: number): Promise<unknown> {
  const connection = entry.connection;
  let shared = waits.get(connection);
  if (shared === undefined) {
    shared = new Map();
    waits.set(connection, shared);
  }
  const pending = shared;
  let wait = pending.get(list);
  if (wait === undefined) {
    // pttl -1: a marker without expiry (set by hand), only the cap bounds the wait.
    const ms = pttl === -1 ? WAIT_CAP : Math.min(Math.max(pttl, 1), WAIT_CAP);
    const seconds = (ms / 1000).toFixed(3);
    wait = entry
      .blocking((client, endpoint) =>
        // Bounded on the client side too (a frozen server); BLMOVE list→list takes nothing.
        endpoint.bounded(
          client,
          client.sendCommand(['BLMOVE', list, list, 'LEFT', 'LEFT', seconds]),
          {
            wait: ms,
          },
        ),
      )
      .finally(() => pending.delete(list));
    pending.set(list, wait);
  }
  return wait;
}
