import type { ErrorContext } from '../../core/errors.js';
import { Lent, type Tools } from '../tools.js';
import type { SemaphoreKeys } from './layout.js';
import type { LeaseSteps } from './lease.js';

/**
 * What a Semaphore lends to the files of its steps (acquire, wake, release, extend, stats): its
 * keys and permits, and its protected command helpers, bound. The steps return the helpers'
 * operations as they are, so the single-script ones still queue into a batch.
 *
 * @internal
 * @module
 */

/** A Semaphore as its steps see it. */
export interface SemaphoreHost extends Pick<Tools, 'key' | 'script' | 'blocking' | 'now'> {
  /** The model and key, for errors. */
  readonly context: ErrorContext;
  /** Its keys. */
  readonly keys: SemaphoreKeys;
  /** The most weight held at once (ARGV[1] of every script). */
  readonly permits: number;
}

/** ARGV[1] and ARGV[2] of every sem-*-5 script: the permits, the wake-up lists' prefix. */
export function stateArgs(host: SemaphoreHost): [string, string] {
  return [String(host.permits), host.keys.wake];
}

/**
 * A {@link SemaphoreHost} made of a handle's helpers, bound. A class, not an object literal: it
 * lives as long as the handle's calls, and V8 may pretenure such literals (see `Call` in
 * core/command.ts).
 */
export class BoundHost extends Lent implements SemaphoreHost {
  constructor(
    lent: Lent,
    readonly context: ErrorContext,
    readonly keys: SemaphoreKeys,
    readonly permits: number,
  ) {
    super(lent.key, lent.script, lent.blocking, lent.now);
  }
}

/** The {@link LeaseSteps} of a handle, bound (a class for the reason {@link BoundHost} is). */
export class BoundSteps implements LeaseSteps {
  constructor(
    readonly context: ErrorContext,
    readonly extend: LeaseSteps['extend'],
    readonly release: LeaseSteps['release'],
  ) {}
}
