import { ArgumentError, type ErrorContext } from '../../core/errors.js';
import { isWellFormed } from '../../serializers/serializer.js';
import { countArg, flagOption, kindOf, optionsArg, signalOption } from '../args.js';
import { Delivery, type NackOptions } from './delivery.js';
import { errorText, type Handler } from './process.js';
import { backoffDelay, type BackoffOptions } from './settings.js';

/**
 * The options of ReliableQueue's calls, and their checks (synchronous: a bad option throws
 * before anything is sent).
 *
 * @internal
 * @module
 */

/** Options of {@link ReliableQueue.push}. */
export interface PushOptions {
  /**
   * The message id: a second push with an id the queue holds (from its push until its ack,
   * dead letters included) adds nothing and returns the same id. Default: a new unique id.
   */
  id?: string;
  /** Milliseconds before the message can be delivered (server clock); default 0. */
  delay?: number;
}

/** Options of {@link ReliableQueue.pop}. */
export interface ReliablePopOptions {
  /** How long the delivery is hidden from other consumers, in ms; default the class `VISIBILITY`. */
  visibility?: number;
  /** How long to wait for a message, in ms; default: no wait (null when none is ready). */
  timeout?: number;
  /** Ends the wait: the pop rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of {@link ReliableQueue.consume}. */
export interface ReliableConsumeOptions {
  /** Visibility of each delivery, in ms; default the class `VISIBILITY`. */
  visibility?: number;
  /** Ends the iteration (normally, without an error). */
  signal?: AbortSignal;
  /** Ends the iteration after this many ms without a message; default (or 0): never. */
  timeout?: number;
  /**
   * ms the loop keeps reconnecting after a connection failure before it ends with that
   * {@link ConnectionError}; default 30 000, `Infinity`: forever.
   */
  reconnectFor?: number;
  /** Told of each connection failure the loop goes on after. */
  onError?: (error: Error) => void;
}

/** Options of {@link ReliableQueue.process}. */
export interface ProcessOptions {
  /** Handlers running at once; default 1. */
  concurrency?: number;
  /** Stops the worker: no new message is taken; `process()` resolves once it is wound down. */
  signal?: AbortSignal;
  /** Visibility of each delivery, in ms; default the class `VISIBILITY`. */
  visibility?: number;
  /**
   * After `signal` aborts, how long (ms) running handlers may take to finish; then their
   * messages go back to the queue at once and their signals abort. Default 10 000.
   */
  grace?: number;
  /** Renew each delivery (`extend`) every third of its visibility while its handler runs; default true. */
  renew?: boolean;
  /**
   * ms the worker keeps reconnecting after a connection failure before `process()` rejects
   * with it; default `Infinity` (a worker outlives restarts and failovers).
   */
  reconnectFor?: number;
  /**
   * Told of each failure the worker goes on after: connection failures, failed acks and nacks
   * (the message then comes back after its visibility), a {@link DeliveryLostError}.
   */
  onError?: (error: Error) => void;
}

/** A duration in ms: a non-negative safe integer (or, for `positive`, at least 1). */
export function duration(value: unknown, name: string, context: ErrorContext, min = 0): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    const what = min > 0 ? 'a positive integer' : 'a non-negative integer';
    throw new ArgumentError(
      `${name} must be ${what} of milliseconds, got ${kindOf(value)}`,
      context,
    );
  }
  return value;
}

/** `reconnectFor`: a duration or Infinity. */
function reconnectArg(value: unknown, fallback: number, context: ErrorContext): number {
  if (value === undefined) return fallback;
  if (value === Infinity) return Infinity;
  return duration(value, 'reconnectFor', context);
}

/** `onError`: a function, or none. */
function onErrorArg(
  value: unknown,
  call: string,
  context: ErrorContext,
): ((e: Error) => void) | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ArgumentError(`${call}: onError must be a function, got ${kindOf(value)}`, context);
  }
  return value as ((e: Error) => void) | undefined;
}

/** A message id: a non-empty string that UTF-8 keeps. */
export function idArg(id: unknown, context: ErrorContext): string {
  if (typeof id !== 'string' || id === '' || !isWellFormed(id)) {
    throw new ArgumentError(
      `a message id must be a non-empty string of whole characters, got ${typeof id === 'string' ? (id === '' ? 'an empty string' : 'a lone surrogate') : kindOf(id)}`,
      context,
    );
  }
  return id;
}

export function pushOptions(options: PushOptions | undefined, context: ErrorContext) {
  const { id, delay } = optionsArg(
    options,
    { call: 'push(value, options)', known: ['id', 'delay'], number: 'delay' },
    context,
  );
  return {
    id: id === undefined ? undefined : idArg(id, context),
    delay: delay === undefined ? 0 : duration(delay, 'delay', context),
  };
}

export function popOptions(
  options: ReliablePopOptions | undefined,
  visibility: number,
  context: ErrorContext,
) {
  const call = 'pop(options)';
  const o = optionsArg(
    options,
    { call, known: ['visibility', 'timeout', 'signal'], number: 'timeout' },
    context,
  );
  return {
    visibility:
      o.visibility === undefined ? visibility : duration(o.visibility, 'visibility', context, 1),
    timeout: o.timeout === undefined ? undefined : duration(o.timeout, 'timeout', context),
    signal: signalOption(o.signal, call, context),
  };
}

export function consumeOptions(
  options: ReliableConsumeOptions | undefined,
  visibility: number,
  context: ErrorContext,
) {
  const call = 'consume(options)';
  const known = ['visibility', 'signal', 'timeout', 'reconnectFor', 'onError'];
  const o = optionsArg(options, { call, known, number: 'timeout' }, context);
  return {
    visibility:
      o.visibility === undefined ? visibility : duration(o.visibility, 'visibility', context, 1),
    timeout: o.timeout === undefined ? 0 : duration(o.timeout, 'timeout', context),
    signal: signalOption(o.signal, call, context),
    reconnectFor: reconnectArg(o.reconnectFor, 30_000, context),
    onError: onErrorArg(o.onError, call, context),
  };
}

export function processOptions<T>(
  handler: Handler<T>,
  options: ProcessOptions | undefined,
  visibility: number,
  context: ErrorContext,
) {
  const call = 'process(handler, options)';
  if (typeof handler !== 'function') {
    throw new ArgumentError(`${call}: handler must be a function, got ${kindOf(handler)}`, context);
  }
  const known = [
    'concurrency',
    'signal',
    'visibility',
    'grace',
    'renew',
    'reconnectFor',
    'onError',
  ];
  const o = optionsArg(options, { call, known, number: 'concurrency' }, context);
  const renew = o.renew === undefined ? true : flagOption(o.renew, 'renew', context);
  return {
    concurrency:
      o.concurrency === undefined ? 1 : countArg(o.concurrency, 'concurrency', context, 1),
    visibility:
      o.visibility === undefined ? visibility : duration(o.visibility, 'visibility', context, 1),
    grace: o.grace === undefined ? 10_000 : duration(o.grace, 'grace', context),
    renew,
    signal: signalOption(o.signal, call, context),
    reconnectFor: reconnectArg(o.reconnectFor, Infinity, context),
    onError: onErrorArg(o.onError, call, context),
  };
}

/** The options of nack(), checked: the delay (default: the backoff for `attempt`), the error text, whether to retry. */
export function nackOptions(
  options: NackOptions | undefined,
  backoff: Required<BackoffOptions>,
  attempt: number,
  context: ErrorContext,
): { delay: number; error: string; retry: boolean } {
  const shape = { call: 'nack(options)', known: ['delay', 'error', 'retry'], number: 'delay' };
  const o = optionsArg(options, shape, context);
  if (o.retry !== undefined && typeof o.retry !== 'boolean') {
    throw new ArgumentError(`retry must be true or false, got ${kindOf(o.retry)}`, context);
  }
  return {
    delay:
      o.delay === undefined ? backoffDelay(backoff, attempt) : duration(o.delay, 'delay', context),
    error:
      o.error === undefined ? '' : o.error instanceof Error ? errorText(o.error) : String(o.error),
    retry: o.retry !== false,
  };
}

/** A delivery argument: a {@link Delivery} of a queue with `partitions` partitions. */
export function deliveryArg<T>(
  delivery: Delivery<T>,
  partitions: number,
  context: ErrorContext,
): Delivery<T> {
  if (!(delivery instanceof Delivery) || delivery.partition >= partitions) {
    throw new ArgumentError(`expected a Delivery of this queue, got ${kindOf(delivery)}`, context);
  }
  return delivery;
}

/** The values of pushMany(): a non-empty array. */
export function valuesArg(values: unknown, context: ErrorContext): void {
  if (!Array.isArray(values) || values.length === 0) {
    throw new ArgumentError(
      `pushMany(values) needs a non-empty array, got ${kindOf(values)}`,
      context,
    );
  }
}
