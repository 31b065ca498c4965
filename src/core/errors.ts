/**
 * Every error the library throws on purpose is a {@link RedisextError}. Errors about a model's
 * data name the model class and the Redis key; errors about a server name `host:port`. No error
 * message ever contains a password.
 *
 * @module
 */

/** Where an error happened: the model class name and the full Redis key. */
export interface ErrorContext {
  /** Name of the model class, e.g. `Visitors`. */
  readonly model?: string;
  /** The full Redis key (prefix included). */
  readonly key?: string;
}

function describe(context: ErrorContext): string {
  if (context.model && context.key !== undefined) return `${context.model} "${context.key}"`;
  if (context.model) return context.model;
  if (context.key !== undefined) return `"${context.key}"`;
  return '';
}

/** Base class of all errors raised by redisext. */
export class RedisextError extends Error {
  /** Model class name, when the error concerns a model. */
  readonly model?: string;
  /** Full Redis key, when the error concerns a key. */
  readonly key?: string;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    const where = describe(context);
    super(where ? `${where}: ${message}` : message, options);
    this.model = context.model;
    this.key = context.key;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** A connection string (DSN) or a connection options object is invalid. */
export class DsnError extends RedisextError {
  /** Which part was wrong: `scheme`, `host`, `port`, `db`, `option`, `userinfo`, `path`... */
  readonly part: string;

  constructor(part: string, message: string) {
    super(`invalid DSN (${part}): ${message}`);
    this.part = part;
  }
}

/** A model was used without a key name (no constructor argument and no `KEY`). */
export class KeyError extends RedisextError {}

/** A model or connection is configured wrongly (e.g. `expire()` with no seconds and no `EXPIRE`). */
export class ConfigError extends RedisextError {}

/** The serializer could not encode a value. Nothing was written. */
export class EncodeError extends RedisextError {}

/**
 * A decoder's failure on one stored value, carrying that value: what a model's decoders throw
 * (`values.ts`), so that the {@link DecodeError} made of it keeps the value. `raw` is not
 * enumerable: printing the error does not print a payload that may be large.
 * @internal
 */
export class StoredValueFailure extends Error {
  declare readonly raw: string | Buffer;

  constructor(raw: string | Buffer, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    Object.defineProperty(this, 'raw', { value: raw, enumerable: false });
  }
}

/**
 * A stored value could not be decoded by the model's serializer. Nothing was removed — except
 * by a pop, which took the value off: `raw` then still holds it, so nothing is lost.
 */
export class DecodeError extends RedisextError {
  /**
   * The stored value as the reply brought it, when the model's decoder had it (every built-in
   * read and pop): push it back, or keep it for inspection. Not enumerable (never printed).
   */
  declare readonly raw?: string | Buffer;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, context, options);
    const cause = options?.cause;
    if (cause instanceof StoredValueFailure) {
      Object.defineProperty(this, 'raw', { value: cause.raw, enumerable: false });
    }
  }
}

/** One bad field of a {@link ValidationError}: its path (`age`, `tags[2]`, `address.city`) and what is wrong. */
export interface FieldProblem {
  /** The field, with the path inside a nested value when the problem is there. */
  readonly field: string;
  /** What is wrong: `missing`, `unknown field`, `expected a number, got a string`... */
  readonly problem: string;
}

/**
 * A document (`Document.save`, `update`) does not match its schema: a required field missing, a
 * value of the wrong type, an unknown field, a number that is not finite, an invalid Date.
 * `fields` lists every bad field, not only the first. Nothing was written.
 */
export class ValidationError extends RedisextError {
  /** Every bad field, in the schema's order (unknown fields last). */
  readonly fields: readonly FieldProblem[];

  constructor(fields: readonly FieldProblem[], context: ErrorContext = {}) {
    const list = fields.map(({ field, problem }) => `${field}: ${problem}`).join('; ');
    super(
      `invalid document (${fields.length} bad field${fields.length === 1 ? '' : 's'}): ${list}`,
      context,
    );
    this.fields = fields;
  }
}

/**
 * What a command that met a {@link ConnectionError} did on the server:
 * - `'not-sent'`: it never left this process (no connection could be made, or the client was
 *   closed): it did not run, and retrying it cannot apply it twice;
 * - `'unknown'`: it was sent, or may have been, and the connection was lost before its reply:
 *   it may have run or not. Retry only what is safe to apply twice, or check first.
 */
export type Outcome = 'not-sent' | 'unknown';

/** A server could not be reached, refused us, went away, or stopped answering. */
export class ConnectionError extends RedisextError {
  /** `host:port` or the unix socket path of the server concerned. */
  readonly address: string;
  /** Whether the command may have run: see {@link Outcome}. */
  readonly outcome: Outcome;

  constructor(
    address: string,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown; outcome?: Outcome },
  ) {
    const outcome = options?.outcome ?? 'unknown';
    super(
      `${message} (${address})${outcome === 'unknown' ? '; outcome unknown: it may have run' : ''}`,
      context,
      options,
    );
    this.address = address;
    this.outcome = outcome;
  }
}

/** The key holds a Redis type the model cannot work on (Redis `WRONGTYPE`). */
export class WrongTypeError extends RedisextError {}

/** Redis answered a command with an error reply that has no more specific class. */
export class CommandError extends RedisextError {
  /** The error reply's first word, e.g. `ERR`, `NOPERM`, `BUSY`. */
  readonly code: string;

  constructor(
    code: string,
    message: string,
    context: ErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
    this.code = code;
  }
}

/** The server refused our credentials (`WRONGPASS`, `NOAUTH`) or the ACL user lacks a permission (`NOPERM`). */
export class AuthError extends CommandError {}

/** An argument is out of its domain (a fractional counter step, a negative ttl...). Nothing was sent. */
export class ArgumentError extends RedisextError {}

/** One failed command of a batch. */
export interface BatchFailure {
  /** Position of the command in the batch (the order the operations were queued). */
  readonly index: number;
  /** The typed error of that command. */
  readonly error: Error;
}

/**
 * Some commands of a pipeline failed. The others ran and their results are here: `results[i]`
 * is the decoded result of command `i`, or its error.
 */
export class PipelineError extends RedisextError {
  readonly results: readonly unknown[];
  readonly failures: readonly BatchFailure[];

  constructor(results: readonly unknown[], failures: readonly BatchFailure[], what = 'pipeline') {
    const first = failures[0];
    super(
      `${failures.length} of ${results.length} ${what} commands failed; first at index ${first?.index}: ${first?.error.message}`,
    );
    this.results = results;
    this.failures = failures;
  }
}

/**
 * A transaction failed, and Redis said how:
 * - `aborted: true`: Redis refused a command while it was being queued (a syntax error, a
 *   wrong number of arguments...) and discarded the whole `MULTI` (`EXECABORT`): **nothing
 *   ran**; `failures` lists the refused commands.
 * - `aborted: false`: `EXEC` ran every command and some failed at run time (e.g. `WRONGTYPE`):
 *   Redis does not roll back, so `results` holds what the others returned.
 *
 * A transaction whose connection was lost after it was sent is not a TransactionError: it is a
 * {@link ConnectionError} with `outcome: 'unknown'` (it may have run).
 */
export class TransactionError extends PipelineError {
  readonly aborted: boolean;

  constructor(results: readonly unknown[], failures: readonly BatchFailure[], aborted: boolean) {
    super(
      results,
      failures,
      aborted
        ? 'transaction (refused while queued, discarded by Redis: nothing ran)'
        : 'transaction',
    );
    this.aborted = aborted;
  }
}

/** An optimistic transaction (`Connection.watch`) kept losing to concurrent writers. */
export class WatchConflictError extends RedisextError {
  readonly attempts: number;

  constructor(keys: readonly string[], attempts: number) {
    super(`watched keys changed during each of ${attempts} attempts: ${keys.join(', ')}`);
    this.attempts = attempts;
  }
}

/**
 * A transaction or WATCH on a Redis Cluster was given keys in several hash slots: it could not
 * run on one node. Nothing was sent. Put related keys under one `{hash tag}`.
 */
export class CrossSlotError extends RedisextError {
  /** The keys, and the slot of each. */
  readonly slots: ReadonlyArray<{ key: string; slot: number }>;

  constructor(what: string, slots: ReadonlyArray<{ key: string; slot: number }>) {
    super(
      `${what} on a cluster needs all its keys in one hash slot; got ${slots
        .map((s) => `${s.key} (slot ${s.slot})`)
        .join(', ')}; use a {hash tag}`,
    );
    this.slots = slots;
  }
}

/**
 * A write of a model with `WAIT` was applied on the master, but fewer replicas than asked had
 * it when the wait ended. It is not undone: `result` holds what the write returned. It may be
 * lost if the master fails before a replica gets it.
 */
export class ReplicationError extends RedisextError {
  /** What the write returned on the master. */
  readonly result: unknown;
  /** How many replicas had the write when the wait ended. */
  readonly replicas: number;

  constructor(
    message: string,
    context: ErrorContext,
    details: { result: unknown; replicas: number },
  ) {
    super(message, context);
    this.result = details.result;
    this.replicas = details.replicas;
  }
}

/**
 * Refusals a server makes while it is not ready yet, which a loop that outlives restarts and
 * failovers waits out like a lost connection: `LOADING` (a restarted server reading its data
 * back), `MASTERDOWN`, `CLUSTERDOWN`, `TRYAGAIN`, `BUSY` (a long script).
 */
const PASSING = new Set(['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'BUSY']);

/**
 * Whether `error` is one a consuming loop reconnects after (or waits out): a
 * {@link ConnectionError}, or a {@link CommandError} of a server not ready yet (`LOADING`...).
 */
export function isPassing(error: unknown): error is ConnectionError | CommandError {
  return (
    error instanceof ConnectionError || (error instanceof CommandError && PASSING.has(error.code))
  );
}
