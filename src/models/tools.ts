import type { CommandOrigin, RedisArg } from '../core/command.js';
import type { Script } from '../core/script.js';
import type { BlockingEndpoint, RedisClient } from '../transport/endpoint.js';
import type { ModelStatics } from './config.js';

/**
 * The types a model author writes with: what the command helpers return, the helpers lent to a
 * protocol's step files, and how a handle class names its key.
 *
 * @module
 */

/**
 * What a model's command helpers (`read`, `write`, `script`...) return: the operation's promise
 * when the handle runs commands at once, its placeholder when it queues them into a batch.
 * Model methods return it as it is. It has no usable `then`/`catch`/`finally`, so that chaining
 * on it, which would break inside a batch, does not compile: an operation that needs the
 * reply first (several round trips) calls `this.direct(...)` and uses `this.now(...)`.
 */
export interface Operation<R> extends Promise<R> {
  then: never;
  catch: never;
  finally: never;
}

/**
 * A handle's protected command helpers, bound and lent to the files that hold the steps of a
 * model's protocol (`lock/acquire.ts`, `cache/get-or-set.ts`, `blocking-pop.ts`...), which cannot
 * call protected members. Each is the {@link Handle} method of the same name.
 */
export interface Tools extends CommandOrigin {
  read<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R>;
  write<R>(args: RedisArg[], decode?: (reply: unknown) => R): Operation<R>;
  script<R>(
    script: Script,
    keys: readonly RedisArg[],
    args: readonly RedisArg[],
    options: { write: boolean; decode?: (reply: unknown) => R },
  ): Operation<R>;
  blocking<T>(
    fn: (client: RedisClient, endpoint: BlockingEndpoint) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T>;
  now<R>(operation: Operation<R>): Promise<R>;
  direct(operation: string): void;
  decodeWith<R>(decode: (reply: unknown) => R, reply: unknown): R;
  encode(value: unknown): RedisArg;
}

/**
 * The helpers most protocols lend (`key`, `script`, `blocking`, `now`), bound to a handle
 * (`Handle.lent()`); a protocol's own view of its handle extends it. A class, not an object
 * literal: it lives as long as the handle's calls, and V8 may pretenure such literals (see
 * `Call` in core/command.ts).
 */
export class Lent implements Pick<Tools, 'key' | 'script' | 'blocking' | 'now'> {
  constructor(
    readonly key: string,
    readonly script: Tools['script'],
    readonly blocking: Tools['blocking'],
    readonly now: Tools['now'],
  ) {}
}

/**
 * How a handle class makes its key from its static configuration and the constructor's
 * argument (a plain function, so constructing a handle allocates no closure).
 */
export type Identify = (statics: ModelStatics, name: string | undefined) => string;
