import type { Command } from '../../core/command.js';
import { ConfigError } from '../../core/errors.js';
import { operations, traceOperation } from '../../core/tracing.js';
import type { Tracking } from '../../transport/tracking.js';
import { routerOf, type ModelStatics } from '../config.js';
import { readsBinary } from '../values.js';
import { MISS, NearCache } from './near-cache.js';
import { nearCacheSettings, type NearCacheStats } from './options.js';

/**
 * How model classes use their near caches: the cache of a class (made on its first cached
 * read), the cached read itself, and the writes that invalidate at once.
 *
 * @internal
 * @module
 */

const caches = new WeakMap<object, NearCache>();

/** The near cache of a class with `NEAR_CACHE`, made and subscribed on first use. */
function nearCacheOf(cls: ModelStatics): NearCache {
  let cache = caches.get(cls);
  if (cache === undefined) {
    const context = { model: cls.name };
    const settings = nearCacheSettings(cls.NEAR_CACHE, context);
    let tracking: Tracking;
    try {
      tracking = routerOf(cls).tracking();
    } catch (error) {
      if (error instanceof ConfigError && error.model === undefined) {
        throw new ConfigError(error.message, context, { cause: error });
      }
      throw error;
    }
    cache = new NearCache(settings, tracking);
    tracking.subscribe(cache);
    caches.set(cls, cache);
  }
  return cache;
}

/**
 * A direct read of a class with `NEAR_CACHE` (`sub` names what it reads of `key`): served from
 * memory, or read through the tracking connection and kept. `make` describes the read (only
 * called on a miss, or when operations are traced). A configuration error rejects.
 */
export function nearRead<R>(
  cls: ModelStatics,
  key: string,
  sub: string,
  make: () => Command<R>,
): Promise<R> {
  let cache: NearCache;
  try {
    cache = nearCacheOf(cls);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  if (operations.hasSubscribers) {
    return traceOperation(make(), 'direct', () => readFrom(cache, cls, key, sub, make));
  }
  return readFrom(cache, cls, key, sub, make);
}

function readFrom<R>(
  cache: NearCache,
  cls: ModelStatics,
  key: string,
  sub: string,
  make: () => Command<R>,
): Promise<R> {
  const value = cache.hit(key, sub);
  if (value !== MISS) return Promise.resolve(value as R);
  let command = make();
  if (command.binary === undefined && readsBinary(command.decode)) {
    command = { ...command, binary: true };
  }
  return cache.read(sub, command, (raw) => routerOf(cls).run(raw, true));
}

/**
 * A write command of a model whose Connection has near caches: its key is invalidated in them
 * now (a read issued from here on goes to Redis) and again when its reply comes (a read that ran
 * before the write on the server, and came back first, is not kept), so the write's caller
 * reads its own write. Other commands are returned as they are.
 */
export function invalidating<R>(cls: ModelStatics, command: Command<R>): Command<R> {
  const key = command.key;
  if (key === undefined) return command;
  const tracking = routerOf(cls).tracked;
  if (tracking === undefined) return command;
  tracking.invalidate(key);
  const decode = command.decode;
  return {
    ...command,
    decode: (reply) => {
      tracking.invalidate(key);
      return decode === undefined ? (reply as R) : decode(reply);
    },
  };
}

const NONE: NearCacheStats = { hits: 0, misses: 0, evictions: 0, invalidations: 0, size: 0 };

/** A class's near-cache counters (zeros before its first cached read). */
export function nearCacheStats(cls: ModelStatics): NearCacheStats {
  return caches.get(cls)?.stats() ?? NONE;
}

/** Empties a class's near cache (in this process). */
export function clearNearCache(cls: ModelStatics): void {
  caches.get(cls)?.reset();
}
