/**
 * Map: a login session stored as one JSON value with a time to live (`set(value, { ttl })`, one
 * `SET ... PX`), read back with `get`, its remaining life with `ttl`; a second login that must
 * not replace it (`ifAbsent`); a flash message that expires by itself; and a logout.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/map.js
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, RedisMap, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** What a session holds. */
export interface Session {
  user: string;
  roles: string[];
}

/** What the session's life showed. */
export interface SessionReport {
  /** Whether the first login stored the session, and whether a second one replaced it. */
  stored: boolean;
  replaced: boolean;
  /** The session read back. */
  session: Session | null;
  /** Seconds it has left to live (30 s asked). */
  ttl: number | null;
  /** The flash message read at once, then after its 50 ms were over. */
  flash: string | null;
  flashLater: string | null;
  /** Whether logging out removed a session, and what is read afterwards. */
  loggedOut: boolean;
  afterLogout: Session | null;
}

/** The example's models on one Connection, under `prefix`. */
export function mapModels(connection: typeof Connection, prefix: string) {
  /** One session per id: the key `<prefix>:session:<id>`, a JSON string. */
  class Sessions extends RedisMap<Session> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = `${prefix}:session`;
  }
  /** A one-shot message per user (plain strings). */
  class Flash extends RedisMap {
    static override CONNECTION = connection;
    static override PREFIX = `${prefix}:flash`;
  }
  return { Sessions, Flash };
}

/** Logs a user in and out under `prefix`. */
export async function sessionLife(
  connection: typeof Connection,
  prefix: string,
): Promise<SessionReport> {
  const { Sessions, Flash } = mapModels(connection, prefix);
  const session = new Sessions('abc123');
  // The value and its expiry in one command: a session is never stored without its TTL.
  const stored = await session.set({ user: 'ann', roles: ['admin'] }, { ttl: 30_000 });
  // Another login with the same id must not take the session over.
  const replaced = await session.set({ user: 'eve', roles: [] }, { ttl: 30_000, ifAbsent: true });
  const report = { stored, replaced, session: await session.get(), ttl: await session.ttl() };
  const flash = new Flash('ann');
  await flash.set('Profile saved', { ttl: 50 });
  const now = await flash.get();
  await sleep(100); // the flash message expires by itself
  const later = await flash.get();
  const loggedOut = await session.remove();
  return { ...report, flash: now, flashLater: later, loggedOut, afterLogout: await session.get() };
}

runExample(import.meta.url, (main) => sessionLife(main, `example:${Date.now()}`));
