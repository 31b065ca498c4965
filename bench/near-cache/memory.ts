import { setTimeout as sleep } from 'node:timers/promises';
import { check } from '../types.js';
import { KEYS, storeKeys, type NearEnv, type Reader } from './env.js';

/**
 * `near-100-memory`: what the server keeps to track a cache's keys. From a clean state (the
 * section's keys deleted, so no client tracks any of them, then stored again), `INFO` is read,
 * the 1,000 hot keys are read once through the cache (each a miss: the server now tracks it for
 * that client), and `INFO` is read again: `tracking_total_keys` and `tracking_total_items`
 * (INFO stats) and `used_memory` (INFO memory), before and after.
 *
 * @module
 */

/** The id and title of the probe (for `--list`). */
export const MEMORY_INFO = {
  id: 'near-100-memory',
  title: 'server memory of tracking 1,000 near-cached keys (INFO tracking_total_keys, used_memory)',
} as const;

/** The figures of INFO this probe reads. */
interface Snapshot {
  readonly trackedKeys: number;
  readonly trackedItems: number;
  readonly usedMemory: number;
}

/** What one reader's caching of the hot keys cost the server. */
export interface TrackingMemory {
  readonly label: string;
  readonly before: Snapshot;
  readonly after: Snapshot;
}

async function snapshot(env: NearEnv): Promise<Snapshot> {
  const info = String(await env.server.inspector.sendCommand(['INFO', 'everything']));
  const field = (name: string): number => {
    const value = new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1];
    check(value !== undefined, () => `INFO has no ${name}`);
    return Number(value);
  };
  return {
    trackedKeys: field('tracking_total_keys'),
    trackedItems: field('tracking_total_items'),
    usedMemory: field('used_memory'),
  };
}

/** Measures each caching reader in turn, from a clean state; the hot keys are stored again. */
export async function trackingMemory(
  env: NearEnv,
  cached: readonly Reader[],
): Promise<TrackingMemory[]> {
  const out: TrackingMemory[] = [];
  for (const reader of cached) {
    // Deleting the keys invalidates them for every tracking client: the table forgets them.
    await env.server.clean();
    for (const other of cached) other.clear?.();
    await storeKeys(env);
    await sleep(50); // let the invalidation pushes of the clean-up be delivered
    const before = await snapshot(env);
    for (let k = 0; k < KEYS; k += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, n) => reader.read(k + n)));
    }
    const after = await snapshot(env);
    check(
      after.trackedKeys - before.trackedKeys >= KEYS,
      () => `${reader.label}: tracking_total_keys ${before.trackedKeys} → ${after.trackedKeys}`,
    );
    out.push({ label: reader.label, before, after });
  }
  return out;
}

/** The result as a line under the table. */
export function memoryLine(result: TrackingMemory): string {
  const { before, after } = result;
  const delta = after.usedMemory - before.usedMemory;
  const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
  return (
    `${MEMORY_INFO.id}: ${result.label}: ${KEYS.toLocaleString('en')} keys cached: ` +
    `tracking_total_keys ${before.trackedKeys} → ${after.trackedKeys}, ` +
    `tracking_total_items ${before.trackedItems} → ${after.trackedItems}, used_memory ` +
    `${delta >= 0 ? '+' : ''}${kb(delta)} (${kb(before.usedMemory)} → ${kb(after.usedMemory)}, ` +
    `${Math.round(delta / KEYS)} B per key)`
  );
}
