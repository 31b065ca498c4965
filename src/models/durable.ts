import { contextOf, keyOf, type Command } from '../core/command.js';
import { integer } from '../core/decoders.js';
import { ArgumentError, ReplicationError } from '../core/errors.js';
import type { Topology } from '../transport/topology.js';

/**
 * Writes that wait for replicas: a model class with `static WAIT = { replicas, timeout }` (or
 * `@model({ wait })`) follows each of its direct writes with Redis `WAIT`, on the same
 * connection, and resolves only once that many replicas have the write.
 *
 * @internal
 * @module
 */

/**
 * How many replicas must have a write before it resolves, and how long to wait for them.
 * Asynchronous replication can lose a write acknowledged by the master alone when the master
 * fails before a replica got it; waiting for replicas narrows that window (see
 * docs/reliability.md for what it does not cover).
 */
export interface WaitOptions {
  /** Replicas that must have the write (Redis `WAIT numreplicas`): a positive integer. */
  replicas: number;
  /** How long to wait for them, in **milliseconds** (a positive integer). */
  timeout: number;
}

/** The checked WAIT settings of each model class (checked once per class and object). */
const checked = new WeakMap<object, WaitOptions>();

/**
 * The model class's `WAIT`, checked.
 * @throws ArgumentError naming the model for anything but positive integers.
 */
export function waitOptionsOf(wait: unknown, model: string): WaitOptions {
  if (typeof wait === 'object' && wait !== null) {
    const known = checked.get(wait);
    if (known) return known;
  }
  const { replicas, timeout } = (wait ?? {}) as Partial<WaitOptions>;
  const positive = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) > 0;
  if (typeof wait !== 'object' || wait === null || !positive(replicas) || !positive(timeout)) {
    throw new ArgumentError(
      'WAIT must be { replicas, timeout } with a positive integer of replicas and of milliseconds',
      { model },
    );
  }
  const options = { replicas: replicas as number, timeout: timeout as number };
  checked.set(wait, options);
  return options;
}

/**
 * Runs a write and `WAIT replicas timeout` right behind it on a dedicated connection to the
 * key's master (pipelined: one round trip plus the replicas' delay).
 * @returns the write's result once `replicas` replicas have it.
 * @throws {@link ReplicationError} (carrying the result) when fewer had it in time: the write
 * was applied on the master; it may be lost if the master fails before a replica gets it.
 */
export async function runDurable<R>(
  topology: Topology,
  command: Command<R>,
  wait: WaitOptions,
): Promise<R> {
  const key = keyOf(command) ?? command.key ?? '';
  const context = contextOf(command);
  const { value, replicas } = await topology.dedicated(
    key,
    async (client, endpoint) => {
      const result = endpoint.execOn(client, command);
      const waiting = client.sendCommand(['WAIT', String(wait.replicas), String(wait.timeout)]);
      // WAIT's reply comes after the write's: bounding it bounds both (a frozen server).
      const acknowledged = endpoint.bounded(client, waiting, { wait: wait.timeout }, context);
      const [value, count] = await Promise.all([result, acknowledged]);
      return { value, replicas: integer(count) };
    },
    undefined,
    context,
  );
  if (replicas < wait.replicas) {
    throw new ReplicationError(
      `the write was applied on the master but reached ${replicas} of ${wait.replicas} ` +
        `replicas within ${wait.timeout} ms`,
      context,
      { result: value, replicas },
    );
  }
  return value;
}
