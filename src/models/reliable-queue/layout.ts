import type { Command } from '../../core/command.js';
import { integer } from '../../core/decoders.js';
import { sideKey } from '../../core/keys.js';

/**
 * The keys of a ReliableQueue on Redis. Each partition is ten keys under one hash tag (one
 * cluster slot), so every script of the queue runs in one slot and never meets CROSSSLOT:
 * partition 0 is tagged with the queue's key itself (`{emails}:ready`...), partition `p > 0`
 * with the key and `#p` (`{emails#1}:ready`). A queue can gain partitions (partition 0 keeps
 * its keys); see docs/models/reliable-queue.md.
 *
 * @internal
 * @module
 */

/** The keys of one partition. */
export interface PartitionKeys {
  /** The key the partition is routed by (same slot as its keys): the queue's key, or `key#p`. */
  readonly base: string;
  /** The ten keys every rq-*-10 script takes, in their order (see includes/queue-state.lua). */
  readonly all: readonly string[];
  /** The keys of rq-ack-4: inflight, data, attempts, errors. */
  readonly ack: readonly string[];
  /** The in-flight set (rq-extend-1). */
  readonly inflight: string;
  /** The list blocked consumers wait on. */
  readonly wake: string;
}

/** The suffixes of the ten keys, in the scripts' order. */
const SUFFIXES = [
  'ready',
  'delayed',
  'inflight',
  'data',
  'attempts',
  'errors',
  'dead',
  'wake',
  'waiting',
  'seq',
] as const;

/** The keys of partition `p` of the queue at `key`. */
export function partitionKeys(key: string, p: number): PartitionKeys {
  const base = p === 0 ? key : `${key}#${p}`;
  const all = SUFFIXES.map((suffix) => sideKey(base, suffix));
  return {
    base,
    all,
    ack: [all[2], all[3], all[4], all[5]],
    inflight: all[2],
    wake: all[7],
  };
}

/**
 * The partition of a message with a given id: a stable hash of the id (FNV-1a), so pushes of
 * one id always meet in one partition, where its idempotency is checked.
 */
export function partitionOfId(id: string, partitions: number): number {
  if (partitions === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** The command that removes a partition (`UNLINK` of its ten keys): true when any existed. */
export function unlinkCommand(keys: PartitionKeys, model: string): Command<boolean> {
  return {
    args: ['UNLINK', ...keys.all],
    write: true,
    decode: (reply) => integer(reply) > 0,
    model,
    key: keys.base,
  };
}

/** The next partition of a rotation (shared by a handle and its copies) over `partitions`. */
export function nextOf(rotation: { next: number }, partitions: number): number {
  if (partitions === 1) return 0;
  const p = rotation.next % partitions;
  rotation.next = (p + 1) % partitions;
  return p;
}
