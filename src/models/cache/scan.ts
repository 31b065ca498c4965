import { ArgumentError, type ErrorContext } from '../../core/errors.js';
import type { Topology } from '../../transport/topology.js';
import { countArg, kindOf, signalOption } from '../args.js';
import { matchArg } from '../collection.js';
import type { CacheClearOptions, CacheProgress, CacheScanOptions } from './types.js';

/**
 * `Cache.keys`, `Cache.scan` and `Cache.clear`: walks over the keys of a cache's namespace with
 * `SCAN` (never `KEYS`), on every master, and removal page by page with `UNLINK`. Arguments are
 * checked when the call is made, before the first page is asked for.
 *
 * @internal
 * @module
 */

/** Default SCAN `COUNT` of keys()/scan()/clear(). */
const SCAN_COUNT = 1_000;

/** A cache's namespace as a walk over it needs it, lent by the Cache. */
export interface Walk {
  /** Where the `SCAN`s and `UNLINK`s go: the cache's Connection, every master. */
  readonly router: Topology;
  /** Whether the cache has a namespace (without one, its entries are the whole database). */
  readonly namespaced: boolean;
  /** The `SCAN MATCH` pattern of the entries whose id matches a glob. */
  pattern(match: string): string;
  /** The id of the entry at a key the walk found. */
  idOf(key: string): string;
  /** The model and namespace errors name. */
  readonly context: ErrorContext;
}

/** What a walk is told to do between pages: stop (`signal`), report (`onProgress`). */
interface Steering {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CacheProgress) => void;
}

/** The `signal` and `onProgress` options, checked. */
function steeringOf(options: Steering, call: string, context: ErrorContext): Steering {
  const { onProgress } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ArgumentError(
      `${call}: onProgress must be a function, got ${kindOf(onProgress)}`,
      context,
    );
  }
  return { signal: signalOption(options.signal, call, context), onProgress };
}

/**
 * The pages of `found`, the signal checked before the first and after each; `counted(page)`
 * tells how many keys a page adds to the progress (after the caller used it).
 */
async function* steered(
  found: AsyncGenerator<string[], void, undefined>,
  { signal, onProgress }: Steering,
  use: (page: string[]) => Promise<number> | number,
): AsyncGenerator<string[], void, undefined> {
  const progress = { pages: 0, keys: 0 };
  signal?.throwIfAborted();
  for await (const page of found) {
    signal?.throwIfAborted();
    yield page;
    progress.pages += 1;
    progress.keys += await use(page);
    onProgress?.({ ...progress });
    signal?.throwIfAborted();
  }
}

/** The namespace's keys matching `options.match`, a SCAN page at a time; options checked now. */
function pages(walk: Walk, options: CacheScanOptions): AsyncGenerator<string[], void, undefined> {
  const match = options.match === undefined ? '*' : options.match;
  if (typeof match !== 'string' || match === '') {
    throw new ArgumentError(
      `match must be a non-empty glob string, got ${match === '' ? 'an empty string' : kindOf(match)}`,
      walk.context,
    );
  }
  matchArg(match, walk.context);
  const count = countArg(
    options.count === undefined ? SCAN_COUNT : options.count,
    'count',
    walk.context,
    1,
  );
  return walk.router.scan(walk.pattern(match), count);
}

/** The ids of the entries, a page at a time (an id may come twice, as with `SCAN`). */
export function scanIds(
  walk: Walk,
  options: CacheScanOptions,
  call = 'scan(options)',
): AsyncGenerator<string, void, undefined> {
  const steering = steeringOf(options, call, walk.context);
  const found = steered(pages(walk, options), steering, (page) => page.length);
  return (async function* () {
    for await (const keys of found) for (const key of keys) yield walk.idOf(key);
  })();
}

/** The ids of the entries, each once. */
export function listIds(walk: Walk, options: CacheScanOptions): Promise<string[]> {
  const found = scanIds(walk, options, 'keys(options)');
  return (async () => {
    const ids = new Set<string>();
    for await (const id of found) ids.add(id);
    return [...ids];
  })();
}

/**
 * Removes every entry: one `UNLINK` per page of keys found (in a cluster, one per slot).
 * @returns how many keys `UNLINK` removed.
 * @throws {@link ArgumentError} when `wholeDatabase` does not match the namespace: required
 * without one (the entries are then the whole database), refused with one.
 */
export function clearAll(walk: Walk, options: CacheClearOptions): Promise<number> {
  const whole = options.wholeDatabase === true;
  if (!walk.namespaced && !whole) {
    throw new ArgumentError(
      'this cache has no namespace (neither PREFIX nor a name): clear() would remove every key ' +
        'of the database; pass { wholeDatabase: true } if that is what you mean',
      walk.context,
    );
  }
  if (walk.namespaced && whole) {
    throw new ArgumentError(
      'wholeDatabase: clear() of a cache with a namespace removes only its own entries; ' +
        'wholeDatabase is for a cache without one',
      walk.context,
    );
  }
  const steering = steeringOf(options, 'clear(options)', walk.context);
  let removed = 0;
  const found = steered(pages(walk, { count: options.count }), steering, async (keys) => {
    const unlinked = await walk.router.unlink(keys);
    removed += unlinked;
    return unlinked;
  });
  return (async () => {
    for await (const page of found) void page; // each page is removed by `steered`'s `use`
    return removed;
  })();
}
