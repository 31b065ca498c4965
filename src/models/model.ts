import { ArgumentError, ConfigError, KeyError } from '../core/errors.js';
import { isWellFormed } from '../serializers/serializer.js';
import { expiry, flag, positive } from '../core/decoders.js';
import { routerOf, type ModelStatics } from './config.js';
import { Handle } from './handle.js';
import { flagOption, kindOf, optionsArg } from './args.js';

export type { Operation } from './handle.js';

/** A yes/no reply of `RENAME` on a missing key: "ERR no such key". */
const noSuchKey = (error: Error): false | undefined =>
  /no such key/i.test(error.message) ? false : undefined;

/**
 * The full key of a new model handle: `PREFIX:name`, or the bare name without a prefix.
 * @throws {@link KeyError} when there is no name (neither `name` nor the class `KEY`), or it is
 * not text that UTF-8 keeps (a lone surrogate: two such names could name one key).
 */
export function keyOf(statics: ModelStatics, name: string | undefined): string {
  const key = name === undefined ? statics.KEY : name;
  if (typeof key !== 'string' || key === '') {
    throw new KeyError(
      key === undefined || key === ''
        ? 'no key name: pass one to the constructor or set static KEY'
        : `the key name must be a string, got ${kindOf(key)}`,
      { model: statics.name },
    );
  }
  const full = statics.PREFIX ? `${statics.PREFIX}:${key}` : key;
  if (!isWellFormed(full)) {
    throw new KeyError(
      'the key name has a lone UTF-16 surrogate (half of a character): Redis would store it ' +
        'as U+FFFD, so two such names could be one key',
      { model: statics.name, key: full },
    );
  }
  return full;
}

const RENAME_OPTIONS = { call: 'rename(newKey, options)', known: ['overwrite'] };

/**
 * Base class of the models on one Redis key (`Counter`, `Map`, `Queue`, `Lock`...): a cheap
 * handle on that key with the operations every key has (`exists`, `delete`, `expire`, `ttl`,
 * `persist`, `rename`). Creating a handle opens nothing and costs a few dozen bytes; commands
 * go through the model's Connection.
 *
 * Configuration, by static fields or by the {@link model} decorator (both inherited):
 * `KEY` (default key name), `CONNECTION`, `SERIALIZER`, `PREFIX` (joined with `:`), `EXPIRE`
 * (default seconds for {@link Model.expire}).
 *
 * Key operations count in **seconds**, as the Redis commands they mirror; durations in options
 * objects (`{ ttl }`, `{ timeout }`...) are **milliseconds**.
 */
export abstract class Model extends Handle {
  /** Default key name (makes a singleton model). */
  static KEY?: string;
  /** Namespace joined to the key with `:`. */
  static PREFIX?: string;
  /** Default seconds for `expire()` without an argument. */
  static EXPIRE?: number;

  /**
   * @param key - the key name; defaults to the class `KEY`.
   * @throws {@link KeyError} when there is neither (before any network call).
   */
  constructor(key?: string) {
    super(keyOf, key);
  }

  /** Whether the key exists (`EXISTS`). */
  exists(): Promise<boolean> {
    return this.read(['EXISTS', this.key], positive);
  }

  /** Removes the key (`UNLINK`); true if it existed. */
  delete(): Promise<boolean> {
    return this.write(['UNLINK', this.key], positive);
  }

  /**
   * Sets a time to live in **seconds** (`EXPIRE`); without an argument, the class `EXPIRE`.
   * @returns false when the key does not exist.
   * @throws {@link ArgumentError} when `seconds` is not a positive integer; {@link ConfigError}
   * without `seconds` when the class `EXPIRE` is not one (or missing).
   */
  expire(seconds?: number): Promise<boolean> {
    const ttl = seconds === undefined ? (this.constructor as ModelStatics).EXPIRE : seconds;
    if (ttl === undefined) {
      throw new ConfigError(
        'expire() needs seconds: pass them or set static EXPIRE',
        this.errorContext,
      );
    }
    if (!Number.isSafeInteger(ttl) || ttl <= 0) {
      const Wrong = seconds === undefined ? ConfigError : ArgumentError;
      throw new Wrong(
        `expire() needs a positive integer of seconds${seconds === undefined ? ' (static EXPIRE)' : ''}, got ${kindOf(ttl)}`,
        this.errorContext,
      );
    }
    return this.write(['EXPIRE', this.key, String(ttl)], flag);
  }

  /**
   * Seconds left to live (`TTL`): `Infinity` when the key never expires, `null` when the key
   * does not exist.
   */
  ttl(): Promise<number | null> {
    return this.read(['TTL', this.key], expiry);
  }

  /** Removes the time to live (`PERSIST`); true if there was one. */
  persist(): Promise<boolean> {
    return this.write(['PERSIST', this.key], flag);
  }

  /**
   * Renames the key (`RENAME`, or `RENAMENX` with `{ overwrite: false }`). The new name gets the
   * same prefix. This handle keeps pointing at the old name.
   * @returns false when the key does not exist (or, with `overwrite: false`, the new one does).
   * @throws {@link KeyError} for a bad new name, {@link ArgumentError} for bad options.
   */
  rename(newKey: string, options?: { overwrite?: boolean }): Promise<boolean> {
    const statics = this.constructor as ModelStatics;
    const { overwrite } = optionsArg(options, RENAME_OPTIONS, this.errorContext);
    if (typeof newKey !== 'string' || newKey === '') {
      throw new KeyError('rename() needs a new key name', this.errorContext);
    }
    const target = keyOf(statics, newKey);
    routerOf(statics).checkSlots([this.key, target], 'rename');
    const overwrites =
      overwrite === undefined || flagOption(overwrite, 'overwrite', this.errorContext);
    const command = overwrites ? 'RENAME' : 'RENAMENX';
    return this.run({
      args: [command, this.key, target],
      write: true,
      decode: flag,
      recover: noSuchKey,
      model: this.modelName,
      key: this.key,
    });
  }
}
