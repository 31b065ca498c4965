import { expect } from 'chai';
import { createClient } from 'redis';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Connection,
  serializer,
  type ConnectionOptions,
  type Model,
  type Serializer,
} from '../../src/index.js';
import type { RedisServer } from '../../tools/redis-server.js';

let counter = 0;

/** A name no other test uses (keys, client names). */
export function uniq(prefix = 'k'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * A fresh Connection class on a server, whose clients carry a unique client name so tests can
 * count them with CLIENT LIST.
 */
export function connectionTo(
  server: RedisServer,
  extra: { reuse?: boolean; options?: ConnectionOptions; slave?: RedisServer | RedisServer[] } = {},
): typeof Connection & { clientName: string } {
  const clientName = uniq('conn');
  const slaves =
    extra.slave === undefined ? [] : Array.isArray(extra.slave) ? extra.slave : [extra.slave];
  const connection = class extends Connection {
    static override MASTER = `${server.url}/0?name=${clientName}`;
    static override SLAVE = slaves.length
      ? slaves.map((s) => `${s.url}/0?name=${clientName}`)
      : undefined;
    static override REUSE = extra.reuse ?? true;
    static override OPTIONS = extra.options;
    static clientName = clientName;
  };
  opened.push(connection);
  return connection;
}

const opened: Array<typeof Connection> = [];
const inspectors = new Map<string, ReturnType<typeof createClient>>();

/** A plain node-redis client for checking what the server holds (the test's independent eye). */
export async function inspector(server: RedisServer): Promise<ReturnType<typeof createClient>> {
  let client = inspectors.get(server.url);
  if (!client) {
    client = createClient({ url: server.url, commandOptions: { timeout: 0 } });
    client.on('error', () => undefined);
    await client.connect();
    inspectors.set(server.url, client);
  }
  return client;
}

/** Runs a raw command on a server through its inspector. */
export async function raw(server: RedisServer, ...args: string[]): Promise<unknown> {
  return (await inspector(server)).sendCommand(args);
}

/**
 * How many times a server ran the named commands (lowercase, summed) since it started or its
 * `CONFIG RESETSTAT` (INFO commandstats).
 */
export async function commandCalls(server: RedisServer, ...names: string[]): Promise<number> {
  const stats = String(await raw(server, 'INFO', 'commandstats'));
  let calls = 0;
  for (const name of names) {
    calls += Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  }
  return calls;
}

/** How many connections with this client name the server has. */
export async function clientsNamed(server: RedisServer, name: string): Promise<number> {
  const list = String(await raw(server, 'CLIENT', 'LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

/**
 * A subclass of the model class `Base` with static CONNECTION `connection` and SERIALIZER `ser`,
 * named `name` (errors name the model; default: the base class's name): a spec's model class.
 * Pass a generic model instantiated: `modelClass(Queue<Job>, Main, serializer.JSON, 'Jobs')`.
 */
export function modelClass<C extends abstract new (key?: string) => Model>(
  Base: C,
  connection: typeof Connection,
  ser?: Serializer<unknown>,
  name: string = Base.name,
): C {
  const Configurable = Base as unknown as (new (key?: string) => Model) &
    Pick<typeof Model, 'CONNECTION' | 'SERIALIZER'>;
  const Configured = class extends Configurable {
    static override CONNECTION = connection;
    static override SERIALIZER = ser;
  };
  Object.defineProperty(Configured, 'name', { value: name });
  return Configured as unknown as C;
}

/** One row of {@link serializerCases}: a label, the serializer (undefined: none), its values. */
export type SerializerCase = [
  name: string,
  serializer: Serializer<unknown> | undefined,
  values: unknown[],
];

/**
 * Values each serializer must round-trip, the falsy ones (0, '', false, [], {}) included, for
 * the models' round-trip tests. Distinct values in each row (set members and queue items stay
 * apart); fresh arrays on each call.
 */
export function serializerCases(): SerializerCase[] {
  return [
    ['none', undefined, ['', '0', 'text', 'ünïcødé']],
    ['JSON', serializer.JSON, [0, '', false, [], {}, { a: [1] }]],
    ['String', serializer.String, ['', 'x', '0']],
    ['Numeric', serializer.Numeric, [0, -1, 2 ** 53 - 1]],
    ['Typed', serializer.Typed, [0, '', false, [], {}, new Date(0), new Set([0]), 0n]],
  ];
}

/** Polls until `check` returns true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** Asserts that `fn` throws or rejects with an instance of `type`; returns the error. */
export async function rejects<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  message?: RegExp,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an error').to.be.instanceOf(type);
  if (message) expect((caught as Error).message).to.match(message);
  return caught as E;
}

const cleanups: Array<() => Promise<unknown>> = [];

/** Registers something to close at the end of the run (by the root hook). */
export function track(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/** Closes the connections and inspectors the helpers opened (call in after()). */
export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  await Promise.all([...inspectors.values()].map((c) => c.close().catch(() => c.destroy())));
  inspectors.clear();
}

/** Runs the cleanups registered with track() (the root hook calls it last). */
export async function closeTracked(): Promise<void> {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup().catch(() => undefined)));
}
