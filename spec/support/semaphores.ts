import type { Connection } from '../../src/index.js';
import { Semaphore } from '../../src/models/semaphore/semaphore.js';
import type { Target } from './targets.js';

/** A Semaphore class made by {@link semaphoreOn}, with the Connection class it runs on. */
export type SemaphoreClass = (new (key?: string) => Semaphore) & { connection: typeof Connection };

/** A Semaphore class of `permits` (and `ttl`, ms) on a Connection class of its own on `target`. */
export function semaphoreOn(target: Target, permits = 3, ttl?: number): SemaphoreClass {
  const Main = target.connection();
  return class extends Semaphore {
    static override CONNECTION = Main;
    static override PERMITS = permits;
    static override TTL = ttl ?? Semaphore.TTL;
    static connection = Main;
  };
}
