import type { Command } from './command.js';

/**
 * Where a model handle sends its commands: a Connection's topology (run at once), a batch
 * (queued: `Batch`), or the read phase of a watch (run at once on the watching connection).
 * Defined here, below every layer, so that batches and models can both name it without
 * importing each other.
 *
 * @internal
 */
export interface Executor {
  /** Runs (or queues) one command; a batch returns its placeholder. */
  run<R>(command: Command<R>): unknown;
  /**
   * True for a batch: operations made of several round trips or of blocking commands refuse
   * to run in it (synchronously, with a ConfigError).
   */
  readonly queues: boolean;
  /** `'watch'` for a `watch()` body's session (how traces name the operations it runs). */
  readonly kind?: 'watch';
}
