/**
 * HashMap: a user profile as one Redis hash, one field per attribute, values kept typed by
 * `serializer.JSON` (a number comes back a number, a list a list): `setMany` to create it,
 * `set`/`get` for one field, `getMany` for several, `incr` for a login count, `remove`, `getAll`.
 *
 * Run it on its own (spawns a throwaway redis-server unless REDIS_URL is set):
 *
 *   npm run build:test && node build/examples/hash-map.js
 */
import { Connection, HashMap, serializer } from '../src/index.js';
import { runExample } from './run-example.js';

/** What a profile field may hold. */
export type ProfileValue = string | number | boolean | string[];

/** What the profile's life showed. */
export interface ProfileReport {
  /** Fields created by the sign-up (`setMany`), and whether `verified` was a new field. */
  created: number;
  verifiedIsNew: boolean;
  /** One field, typed: a number. */
  age: ProfileValue | null;
  /** Several fields at once, `null` for the one never set. */
  contact: Array<ProfileValue | null>;
  /** The login count after two logins (`HINCRBY`). */
  logins: number;
  /** Whether removing `languages` removed a field. */
  removed: boolean;
  /** The whole profile at the end. */
  profile: Record<string, ProfileValue>;
}

/** The example's model on one Connection, under `prefix`. */
export function hashMapModels(connection: typeof Connection, prefix: string) {
  /** One hash per user: the key `<prefix>:user:<id>`, a JSON value per field. */
  class Profiles extends HashMap<ProfileValue> {
    static override CONNECTION = connection;
    static override SERIALIZER = serializer.JSON;
    static override PREFIX = `${prefix}:user`;
  }
  return { Profiles };
}

/** Signs a user up and updates the profile under `prefix`. */
export async function userProfile(
  connection: typeof Connection,
  prefix: string,
): Promise<ProfileReport> {
  const { Profiles } = hashMapModels(connection, prefix);
  const profile = new Profiles('42');
  // Sign-up: three fields in one HSET, all or none.
  const created = await profile.setMany({ name: 'Ann', age: 36, languages: ['en', 'fr'] });
  // Email confirmed later: one more field.
  const verifiedIsNew = await profile.set('verified', true);
  const age = await profile.get('age');
  const contact = await profile.getMany(['name', 'email']);
  await profile.incr('logins');
  const logins = await profile.incr('logins');
  const removed = await profile.remove('languages');
  return { created, verifiedIsNew, age, contact, logins, removed, profile: await profile.getAll() };
}

runExample(import.meta.url, (main) => userProfile(main, `example:${Date.now()}`));
