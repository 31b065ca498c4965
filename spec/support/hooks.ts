import { Connection } from '../../src/index.js';
import { requireRedisServer } from '../../tools/redis-server.js';
import { closeAll, closeTracked } from './helpers.js';
import { stopAll } from './topology.js';

/** Mocha root hooks: check the binary first, stop every spawned server last (also on failure). */
export const mochaHooks = {
  beforeAll(): void {
    requireRedisServer();
  },
  async afterAll(): Promise<void> {
    await closeAll();
    await closeTracked();
    await Connection.closeDsnConnections();
    await stopAll();
  },
};
