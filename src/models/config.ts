import { Connection } from '../connection/connection.js';
import type { Topology } from '../transport/topology.js';
import { ConfigError } from '../core/errors.js';
import type { Serializer } from '../serializers/serializer.js';
import { classCall, type DualClassDecorator } from '../serializers/decorators.js';
import type { WaitOptions } from './durable.js';
import type { BackoffOptions } from './reliable-queue/settings.js';
import type { LimitOptions, OnError } from './rate-limiter/settings.js';
import type { NearCacheOptions } from './near-cache/options.js';

/** A model's connection: a Connection subclass, or a DSN string (one Connection per DSN). */
export type ConnectionRef = typeof Connection | string;

/**
 * The configuration of a model class, as `@model({...})` takes it. Each entry is the same as
 * the static field of the same name in capitals (`key` = `static KEY`...).
 */
export interface ModelOptions {
  /** The key name when the constructor gets none (a singleton model). */
  key?: string;
  /** Where the data lives. */
  connection?: ConnectionRef;
  /** How values are stored; none = strings as they are. */
  serializer?: Serializer<unknown>;
  /** Namespace joined to the key with `:`, e.g. `MY_APP:MY_CACHE`. */
  prefix?: string;
  /** Default seconds for `expire()` without an argument. */
  expire?: number;
  /** Default time to live in **milliseconds** of the models that have one (`Lock`, `Cache`). */
  ttl?: number;
  /**
   * Each direct write waits until this many replicas have it (Redis `WAIT`); see
   * {@link WaitOptions}. Default: none (asynchronous replication).
   */
  wait?: WaitOptions;
  /** `ReliableQueue`: how long a delivery is hidden from other consumers, in **milliseconds**. */
  visibility?: number;
  /** `ReliableQueue`: deliveries allowed per message before the dead letters (`Infinity`: all). */
  attempts?: number;
  /** `ReliableQueue`: the delay before a nacked message is delivered again. */
  backoff?: BackoffOptions;
  /** `ReliableQueue`: how many dead letters are kept (the oldest dropped beyond). */
  deadLetterLimit?: number;
  /** `ReliableQueue`: how many partitions (hash tags) the queue is spread over. */
  partitions?: number;
  /** `ReliableQueue`: `push` and `ack` wait until this many replicas have them (`WAIT`). */
  durable?: WaitOptions;
  /** `RateLimiter`: the limits checked and consumed together by each `take`. */
  limits?: readonly LimitOptions[];
  /** `RateLimiter`: what `take` answers when Redis cannot be reached (default `'deny'`). */
  onError?: OnError;
  /** `Semaphore`: how many permits (units of weight) may be held at once. */
  permits?: number;
  /**
   * `Document`: the class whose `@field()` properties make the document (constructible without
   * arguments).
   */
  schema?: SchemaClass;
  /**
   * Reads kept in this process's memory, decoded, until Redis says the key changed (`Map`,
   * `Counter`, `HashMap`, `Cache`, `Document`; see docs/near-cache.md).
   */
  nearCache?: NearCacheOptions;
}

/** A `Document` schema: a class of `@field()` properties, constructible without arguments. */
export type SchemaClass<T extends object = object> = new () => T;

/** The static configuration fields every model class has. */
export interface ModelStatics {
  KEY?: string;
  CONNECTION?: ConnectionRef;
  SERIALIZER?: Serializer<unknown>;
  PREFIX?: string;
  EXPIRE?: number;
  TTL?: number;
  WAIT?: WaitOptions;
  VISIBILITY?: number;
  ATTEMPTS?: number;
  BACKOFF?: BackoffOptions;
  DEAD_LETTER_LIMIT?: number;
  PARTITIONS?: number;
  DURABLE?: WaitOptions;
  LIMITS?: readonly LimitOptions[];
  ON_ERROR?: OnError;
  PERMITS?: number;
  SCHEMA?: SchemaClass;
  NEAR_CACHE?: NearCacheOptions;
  readonly name: string;
}

const FIELDS = {
  key: 'KEY',
  connection: 'CONNECTION',
  serializer: 'SERIALIZER',
  prefix: 'PREFIX',
  expire: 'EXPIRE',
  ttl: 'TTL',
  wait: 'WAIT',
  visibility: 'VISIBILITY',
  attempts: 'ATTEMPTS',
  backoff: 'BACKOFF',
  deadLetterLimit: 'DEAD_LETTER_LIMIT',
  partitions: 'PARTITIONS',
  durable: 'DURABLE',
  limits: 'LIMITS',
  onError: 'ON_ERROR',
  permits: 'PERMITS',
  schema: 'SCHEMA',
  nearCache: 'NEAR_CACHE',
} as const satisfies Record<keyof ModelOptions, keyof ModelStatics>;

/**
 * Class decorator: the same configuration as the static fields, which it sets on the class.
 * Subclasses inherit it and may override any part, with either spelling. On the same class the
 * decorator wins over a static field, with `experimentalDecorators` as with standard decorators
 * (where it sets the fields once the class's static fields are initialized).
 *
 * @example
 * ```ts
 * @model({ connection: Main, serializer: serializer.JSON, prefix: 'shop' })
 * class Carts extends HashMap<Cart> {}
 * ```
 * @throws TypeError when used without options (`@model`) or on something other than a class.
 */
export function model(options: ModelOptions): DualClassDecorator {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('@model is a decorator factory: write @model({ ... }) with the options');
  }
  return (target, context) => {
    const standard = classCall('@model()', target, context);
    // Standard decorators: the class decorator runs before the static fields are initialized,
    // its initializers after them.
    if (standard)
      standard.addInitializer(function (this: unknown) {
        configure(this as object, options);
      });
    else configure(target, options);
  };
}

function configure(target: object, options: ModelOptions): void {
  for (const [option, field] of Object.entries(FIELDS) as Array<
    [keyof ModelOptions, keyof ModelStatics]
  >) {
    if (options[option] !== undefined) {
      Object.defineProperty(target, field, {
        value: options[option],
        writable: true,
        configurable: true,
        enumerable: true,
      });
    }
  }
}

const routers = new WeakMap<object, Topology>();

/** The router of a model class, resolved once per class. */
export function routerOf(cls: ModelStatics): Topology {
  let router = routers.get(cls);
  if (router === undefined) {
    const ref = cls.CONNECTION;
    if (ref === undefined) {
      throw new ConfigError('no CONNECTION: set static CONNECTION or @model({ connection })', {
        model: cls.name,
      });
    }
    const connection = typeof ref === 'string' ? Connection.forDsn(ref) : ref;
    if (
      typeof connection !== 'function' ||
      !(connection.prototype instanceof Connection || connection === Connection)
    ) {
      throw new ConfigError('CONNECTION must be a Connection subclass or a DSN string', {
        model: cls.name,
      });
    }
    router = connection.router();
    routers.set(cls, router);
  }
  return router;
}

/** The Connection class a model class uses. */
export function connectionOf(cls: ModelStatics): typeof Connection {
  const ref = cls.CONNECTION;
  if (ref === undefined) {
    throw new ConfigError('no CONNECTION: set static CONNECTION or @model({ connection })', {
      model: cls.name,
    });
  }
  return typeof ref === 'string' ? Connection.forDsn(ref) : ref;
}
