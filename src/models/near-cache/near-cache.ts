import type { Command } from '../../core/command.js';
import { finish } from '../../core/reply.js';
import type { Tracking, TrackingListener } from '../../transport/tracking.js';
import { freezeDeep } from './freeze.js';
import type { NearCacheSettings, NearCacheStats } from './options.js';

/** What {@link NearCache.hit} returns when nothing is kept. @internal */
export const MISS: unique symbol = Symbol('near cache miss');

/** One value kept: the decoded value (frozen), or the reply to decode again on each hit. */
interface Entry {
  readonly key: string;
  readonly sub: string;
  /** The frozen value; or, when `decode` is set, the stored reply. */
  readonly value: unknown;
  readonly decode: ((reply: unknown) => unknown) | undefined;
  /** `performance.now()` after which it is not served (0: never). */
  readonly expires: number;
  /** Read since the eviction hand last passed (second chance). */
  used: boolean;
}

/** A key's entries: the one read of the whole key (`sub` ''), and the reads of its parts. */
interface Slot {
  main: Entry | undefined;
  parts: globalThis.Map<string, Entry> | undefined;
}

/** The reads of a key in flight: a reply is kept only if `generation` did not move. */
interface Pending {
  count: number;
  generation: number;
}

/**
 * The near cache of one model class: decoded values of its reads, by Redis key and by what was
 * read of it (`sub`: '' for the whole value, `HGET field`...), at most `max` entries (a clock
 * of second chances stands for least-recently-used: a hit only sets a flag), each served until
 * its key is invalidated or its `ttl` passes.
 *
 * A miss is read through the Connection's {@link Tracking} (on a tracking connection), and its
 * reply is kept only when nothing invalidated its key, and nothing cleared the cache, while it
 * was in flight: a reply that raced with a change is handed to its caller, never kept.
 *
 * @internal
 */
export class NearCache implements TrackingListener {
  readonly #slots = new globalThis.Map<string, Slot>();
  /** Every entry, oldest first: the eviction hand's order. */
  readonly #order = new Set<Entry>();
  readonly #pending = new globalThis.Map<string, Pending>();
  /** Counts the clears; a read in flight across one keeps nothing. */
  #epoch = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  #invalidations = 0;

  constructor(
    private readonly settings: NearCacheSettings,
    private readonly tracking: Tracking,
  ) {}

  /** This cache's counters. */
  stats(): NearCacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      invalidations: this.#invalidations,
      size: this.#order.size,
    };
  }

  /**
   * The value kept for `key`/`sub` (counted as a hit), or {@link MISS}: a value decoded afresh
   * for an entry that keeps its reply.
   */
  hit(key: string, sub: string): unknown {
    const entry = this.#lookup(key, sub);
    if (entry === undefined) return MISS;
    this.#hits++;
    entry.used = true;
    const decode = entry.decode;
    return decode === undefined ? entry.value : decode(entry.value);
  }

  /**
   * A miss: reads through the tracking connection (`fallback`: the topology's usual route, for
   * a slot being migrated) and keeps the value unless its key changed meanwhile. `command` is
   * the read as it would run uncached; it is sent without its `decode`, applied here.
   */
  read<R>(
    sub: string,
    command: Command<R>,
    fallback: (raw: Command) => Promise<unknown>,
  ): Promise<R> {
    const key = command.key!;
    this.#misses++;
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = { count: 0, generation: 0 };
      this.#pending.set(key, pending);
    }
    pending.count++;
    const generation = pending.generation;
    const epoch = this.#epoch;
    const decode = command.decode;
    const done = (): boolean => {
      pending.count--;
      if (pending.count === 0) this.#pending.delete(key);
      return pending.generation === generation && this.#epoch === epoch;
    };
    const raw: Command = { ...command, decode: undefined };
    return this.tracking
      .read(raw, () => fallback(raw))
      .then(
        (reply) => {
          const fresh = done();
          const value = finish(command, reply) as R;
          if (fresh) this.#store(key, sub, value, reply, decode);
          return value;
        },
        (error: unknown) => {
          done();
          throw error;
        },
      );
  }

  invalidate(key: string): void {
    const pending = this.#pending.get(key);
    if (pending !== undefined) pending.generation++;
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    if (slot.main !== undefined) this.#drop(slot.main);
    if (slot.parts !== undefined) for (const entry of slot.parts.values()) this.#drop(entry);
  }

  clear(): void {
    this.#invalidations += this.#order.size;
    this.reset();
  }

  /** Empties the cache (`clearNearCache()`), counting nothing; a read in flight keeps nothing. */
  reset(): void {
    this.#epoch++;
    this.#slots.clear();
    this.#order.clear();
  }

  #drop(entry: Entry): void {
    this.#order.delete(entry);
    this.#invalidations++;
  }

  /** The live entry of `key`/`sub`, if any (an expired one is dropped). */
  #lookup(key: string, sub: string): Entry | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    const entry = sub === '' ? slot.main : slot.parts?.get(sub);
    if (entry === undefined) return undefined;
    if (entry.expires !== 0 && performance.now() > entry.expires) {
      this.#remove(entry);
      this.#evictions++;
      return undefined;
    }
    return entry;
  }

  #store(
    key: string,
    sub: string,
    value: unknown,
    reply: unknown,
    decode: ((reply: unknown) => unknown) | undefined,
  ): void {
    const frozen = freezeDeep(value);
    const ttl = this.settings.ttl;
    const entry: Entry = {
      key,
      sub,
      value: frozen ? value : reply,
      decode: frozen ? undefined : decode,
      expires: ttl === 0 ? 0 : performance.now() + ttl,
      used: false,
    };
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { main: undefined, parts: undefined };
      this.#slots.set(key, slot);
    }
    const previous = sub === '' ? slot.main : slot.parts?.get(sub);
    if (previous !== undefined) this.#order.delete(previous);
    if (sub === '') slot.main = entry;
    else (slot.parts ??= new globalThis.Map()).set(sub, entry);
    this.#order.add(entry);
    if (this.#order.size > this.settings.max) this.#evict();
  }

  /** Drops one entry not read since the hand last passed (those read get a second chance). */
  #evict(): void {
    for (const entry of this.#order) {
      this.#order.delete(entry);
      if (entry.used) {
        entry.used = false;
        this.#order.add(entry);
        continue;
      }
      this.#remove(entry);
      this.#evictions++;
      return;
    }
  }

  /** Removes an entry from its key's slot and from the order. */
  #remove(entry: Entry): void {
    this.#order.delete(entry);
    const slot = this.#slots.get(entry.key);
    if (slot === undefined) return;
    if (entry.sub === '') {
      if (slot.main === entry) slot.main = undefined;
    } else if (slot.parts?.get(entry.sub) === entry) {
      slot.parts.delete(entry.sub);
      if (slot.parts.size === 0) slot.parts = undefined;
    }
    if (slot.main === undefined && slot.parts === undefined) this.#slots.delete(entry.key);
  }
}
