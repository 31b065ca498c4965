import type { Command, RedisArg } from './command.js';

/**
 * Grouping of script calls: among calls sent together (the merger's, see
 * `transport/merger.ts`), the calls of a script that has a group form ({@link Script.group})
 * made for the same keys with the same shared arguments become one call of the group script,
 * which runs them in order and replies with the list of their replies. A hot semaphore's 100
 * acquires of one tick share one sweep, one set of reads and one write of the holders
 * (`sem-acquire-group-5.lua`) instead of running the whole script 100 times.
 *
 * Order is kept: a group takes the place of its first call, and it only gathers calls that no
 * other call in between touches the keys of (any call of another script, or another group, on
 * one of its keys closes it; the next calls start a new group). Calls on other keys may pass
 * it, which no one can observe: they touch other keys.
 *
 * @internal
 * @module
 */

/** One call to send: a call as it came, or a group of several in their order. */
export interface Unit {
  /** What to send: the call itself, or the group script's call. */
  readonly command: Command;
  /** The positions of its calls among those given, in order (one, unless grouped). */
  readonly calls: readonly number[];
  /** Whether `command` is a group script's call (its reply lists its calls' replies). */
  readonly grouped: boolean;
}

interface Open {
  readonly signature: string;
  readonly calls: number[];
}

/** A key as text, for comparing keys (Buffers compared byte for byte). */
const keyText = (key: RedisArg): string =>
  typeof key === 'string' ? key : `\u0000${key.toString('latin1')}`;

/** The keys of an EVALSHA command (`EVALSHA sha numkeys key... arg...`). */
function keysOf(command: Command): RedisArg[] {
  const count = Number(command.args[2]);
  return command.args.slice(3, 3 + count);
}

/**
 * The calls grouped where they can be (see the module). `commands` are EVALSHA calls of our
 * scripts with fixed key counts; the result lists what to send, in order: each given call in
 * exactly one unit.
 */
export function groupCalls(commands: readonly Command[]): Unit[] {
  const units: Array<Unit | Open> = [];
  /** The open group of each signature. */
  const open = new Map<string, Open>();
  /** The open group each key is part of. */
  const owner = new Map<string, Open>();
  let grouping = false;
  commands.forEach((command, index) => {
    const keys = keysOf(command).map(keyText);
    const signature = signatureOf(command, keys);
    // Another call on a key of an open group closes that group.
    for (const key of keys) {
      const group = owner.get(key);
      if (group !== undefined && group.signature !== signature) {
        open.delete(group.signature);
        owner.delete(key);
      }
    }
    if (signature === undefined) {
      units.push({ command, calls: [index], grouped: false });
      return;
    }
    const group = open.get(signature);
    if (group !== undefined) {
      group.calls.push(index);
      grouping = true;
      return;
    }
    const started: Open = { signature, calls: [index] };
    units.push(started);
    open.set(signature, started);
    for (const key of keys) owner.set(key, started);
  });
  if (!grouping)
    return commands.map((command, index) => ({ command, calls: [index], grouped: false }));
  return units.map((unit) => {
    if (!('signature' in unit)) return unit;
    const calls = unit.calls;
    if (calls.length === 1) return { command: commands[calls[0]], calls, grouped: false };
    return { command: groupCommand(calls.map((i) => commands[i])), calls, grouped: true };
  });
}

/**
 * What calls must share to be grouped: the group script, the keys, the shared arguments and
 * the number of the others; undefined for a call whose script has no group form.
 */
function signatureOf(command: Command, keys: readonly string[]): string | undefined {
  const group = command.script?.group;
  if (group === undefined) return undefined;
  const args = command.args;
  const first = 3 + keys.length;
  const shared = args.slice(first, first + group.shared).map(keyText);
  return JSON.stringify([group.script.name, args.length - first, keys, shared]);
}

/** The group script's call for `calls` (same script, keys and shared arguments). */
function groupCommand(calls: readonly Command[]): Command<unknown> {
  const [first] = calls;
  const script = first.script!;
  const group = script.group!;
  const keys = keysOf(first);
  const start = 3 + keys.length;
  const args: RedisArg[] = first.args.slice(start, start + group.shared);
  args.push(String(calls.length));
  for (const call of calls) {
    for (let i = start + group.shared; i < call.args.length; i++) args.push(call.args[i]);
  }
  return {
    args: group.script.evalsha(keys, args),
    write: calls.some((call) => call.write),
    script: group.script,
    model: first.model,
    key: first.key,
  };
}

/**
 * The reply of each call given to {@link groupCalls}, from the replies of its units in order
 * (a group's reply is the list of its calls' replies; an error reply for a whole group is each
 * of its calls' reply); `undefined` where a reply is missing.
 */
export function spread(units: readonly Unit[], replies: unknown, count: number): unknown[] {
  const out = new Array<unknown>(count).fill(undefined);
  if (!Array.isArray(replies)) return out;
  units.forEach((unit, u) => {
    const reply: unknown = replies[u];
    if (!unit.grouped) {
      out[unit.calls[0]] = reply;
      return;
    }
    unit.calls.forEach((position, j) => {
      out[position] = Array.isArray(reply) ? reply[j] : reply instanceof Error ? reply : undefined;
    });
  });
  return out;
}
