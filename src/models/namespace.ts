import { KeyError } from '../core/errors.js';
import { isWellFormed } from '../serializers/serializer.js';
import { kindOf } from './args.js';
import type { ModelStatics } from './config.js';
import { Handle } from './handle.js';

/** Why a name with a lone surrogate is refused. */
const ILL_FORMED_NAME =
  'has a lone UTF-16 surrogate (half of a character): Redis would store it as U+FFFD, so two ' +
  'such names could be one key';

/**
 * The namespace of a new handle: `PREFIX:name`, `PREFIX` alone, the name alone, or `''` (none)
 * when there is neither. The name is the constructor's, else the class `KEY`.
 * @throws {@link KeyError} on an empty or non-string name, or one with a lone surrogate.
 */
function namespaceOf(statics: ModelStatics, name: string | undefined): string {
  const own = name === undefined ? statics.KEY : name;
  if (own !== undefined && (typeof own !== 'string' || own === '')) {
    throw new KeyError(
      own === ''
        ? 'an empty namespace name: pass a name, or none at all'
        : `the namespace name must be a string, got ${kindOf(own)}`,
      { model: statics.name },
    );
  }
  const namespace = [statics.PREFIX, own]
    .filter((part) => part !== undefined && part !== '')
    .join(':');
  if (!isWellFormed(namespace)) {
    throw new KeyError(`the namespace ${ILL_FORMED_NAME}`, {
      model: statics.name,
      key: namespace,
    });
  }
  return namespace;
}

/** Escapes the glob characters of `SCAN MATCH` so that `text` matches only itself. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Base class of the models that are a **namespace** of keys rather than one key (`Cache`):
 * each member `id` lives at its own key, `namespace:id`, and the namespace itself is never a
 * key. So a namespace model has none of the key operations of `Model` (`exists()`,
 * `expire()`, `rename()`...): its own operations take a member id.
 *
 * The namespace is the class `PREFIX` and the name (the constructor argument, else the class
 * `KEY`) joined with `:`; either may be missing. Without both, there is **no namespace**: a
 * member's key is its id, and the model addresses the whole database.
 *
 * | `PREFIX` | name    | namespace (`key`) | member `42`    |
 * | -------- | ------- | ----------------- | -------------- |
 * | `app`    | `users` | `app:users`       | `app:users:42` |
 * | `cache`  | (none)  | `cache`           | `cache:42`     |
 * | (none)   | `users` | `users`           | `users:42`     |
 * | (none)   | (none)  | `''`              | `42`           |
 */
export abstract class Namespace extends Handle {
  /** Default name of the namespace, after `PREFIX`; none = the `PREFIX` alone. */
  static KEY?: string;
  /** The start of the namespace, joined to the name with `:`. */
  static PREFIX?: string;

  /**
   * @param name - the namespace's name, after `PREFIX`; defaults to the class `KEY`.
   * @throws {@link KeyError} on an empty name (pass none for no name).
   */
  constructor(name?: string) {
    super(namespaceOf, name);
  }

  /** Whether this handle has a namespace; without one it addresses the whole database. */
  get namespaced(): boolean {
    return this.key !== '';
  }

  /**
   * The key of member `id`: `namespace:id`, or `id` itself without a namespace.
   * @throws {@link KeyError} unless `id` is a non-empty string (without a lone surrogate) or a
   * finite number.
   */
  protected memberKey(id: string | number): string {
    const name = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
    if (typeof name !== 'string' || name === '') {
      throw new KeyError(
        `an id must be a non-empty string or a finite number, got ${name === '' ? 'an empty string' : kindOf(id)}`,
        this.errorContext,
      );
    }
    const key = this.key === '' ? name : `${this.key}:${name}`;
    if (!isWellFormed(name)) {
      throw new KeyError(`the id ${ILL_FORMED_NAME}`, { model: this.modelName, key });
    }
    return key;
  }

  /** The id of the member at `key` (a key of this namespace): the key without the namespace. */
  protected memberId(key: string): string {
    return this.key === '' ? key : key.slice(this.key.length + 1);
  }

  /**
   * The `SCAN MATCH` pattern of the members whose id matches the glob `match`: the namespace's
   * own glob characters escaped, then `:` (so `app:users` never matches `app:users2:x`); the
   * bare `match` without a namespace.
   */
  protected memberPattern(match: string): string {
    return this.key === '' ? match : `${globEscape(this.key)}:${match}`;
  }

  /**
   * A handle on member `id`: a copy of this one whose commands, and the errors they raise, are
   * about the member's key. It sends them where this handle does (at once, or into a batch).
   * @throws {@link KeyError} on a bad id, as `memberKey`.
   */
  protected member(id: string | number): this {
    return this.withKey(this.memberKey(id));
  }
}
