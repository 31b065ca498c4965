import { setTimeout as sleep } from 'node:timers/promises';
import { contextOf, keyOf, type Command } from '../core/command.js';
import { CommandError } from '../core/errors.js';
import type { ClusterNodes } from './cluster-nodes.js';

/** Redirections a transaction follows before it gives up (node-redis' own default is 16). */
const MAX_REDIRECTS = 16;

/** What a cluster transaction needs of its router. */
export interface TransactionRoute {
  /** Our endpoints on the cluster's nodes. */
  readonly nodes: ClusterNodes;
  /** `host:port` of the master of `key`'s slot, as the slot map says now. */
  masterOf(key: string): Promise<string>;
  /** Brings the slot map up to date (after a `MOVED`). */
  refresh(key: string): Promise<void>;
}

/**
 * MULTI/EXEC on the master of the commands' slot, following the cluster while it moves: a
 * `MOVED` (the slot has a new owner) refreshes the slot map and goes there; an `ASK` (the slot
 * is being migrated and the keys are on the importing node) goes there with `ASKING`; a
 * `TRYAGAIN` waits a little. Each of these means Redis refused the keys while queueing, so
 * nothing ran and trying again cannot apply the transaction twice. A lost node is the caller's
 * (`follow`, follow.ts).
 *
 * @internal
 */
export async function clusterTransaction(
  route: TransactionRoute,
  commands: readonly Command[],
): Promise<unknown[]> {
  const key = keyOf(commands[0]) ?? '';
  let address = await route.masterOf(key);
  let asking = false;
  for (let redirects = 0; ; redirects++) {
    const node = route.nodes.at(address);
    const outcome = await node.use((client) =>
      node.transactionOn(client, commands, { asking, metered: true }),
    );
    if (outcome.kind === 'done') return outcome.results;
    if (outcome.kind === 'watch-failed') {
      throw new CommandError('ERR', 'EXEC answered nil without WATCH');
    }
    if (redirects >= MAX_REDIRECTS) {
      throw new CommandError(
        outcome.reason,
        `the transaction was still redirected (${outcome.reason}) after ${MAX_REDIRECTS} attempts; nothing ran`,
        contextOf(commands[0]),
      );
    }
    asking = outcome.reason === 'ASK';
    if (outcome.reason === 'MOVED') {
      await route.refresh(key);
      address = outcome.address || (await route.masterOf(key));
    } else if (outcome.reason === 'ASK') {
      address = outcome.address;
    } else {
      await sleep(Math.min(10 * 2 ** redirects, 200));
      address = await route.masterOf(key);
    }
  }
}
