import { Call, type Command, type RedisArg } from './command.js';

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

/**
 * One call to send: a call as it came, or a group of several in their order. It lives while
 * the call is in flight: a class, and its `calls` made by `Array.of`, not literals, which V8
 * may pretenure (see `Call` in core/command.ts).
 */
export class Unit {
  constructor(
    /** What to send: the call itself, or the group script's call. */
    readonly command: Command,
    /** The positions of its calls among those given, in order (one, unless grouped). */
    readonly calls: readonly number[],
    /** Whether `command` is a group script's call (its reply lists its calls' replies). */
    readonly grouped: boolean,
  ) {}
}

interface Open {
  /** Its first call: the others have the same script, keys and shared arguments. */
  readonly first: Command;
  readonly keys: number;
  readonly calls: number[];
}

/** The number of keys of an EVALSHA command (`EVALSHA sha numkeys key... arg...`). */
const keyCount = (command: Command): number => Number(command.args[2]);

/** Whether the EVALSHA command has a Buffer among its keys. */
function bufferKeys(command: Command): boolean {
  const args = command.args;
  for (let i = 3, end = 3 + keyCount(command); i < end; i++) {
    if (typeof args[i] !== 'string') return true;
  }
  return false;
}

/**
 * The calls grouped where they can be (see the module). `commands` are EVALSHA calls of our
 * scripts with fixed key counts; the result lists what to send, in order: each given call in
 * exactly one unit. Calls with a Buffer key are never grouped, nor any call sent with them
 * (comparing a Buffer key with a string one would need their bytes; it never happens with
 * our scripts).
 */
export function groupCalls(commands: readonly Command[]): Unit[] {
  if (!commands.some((command) => command.script?.group !== undefined)) return alone(commands);
  if (commands.some(bufferKeys)) return alone(commands);
  const units: Array<Unit | Open> = [];
  /** The open group each key is part of (keys are strings here). */
  const owner = new Map<RedisArg, Open>();
  const close = (group: Open): void => {
    const args = group.first.args;
    for (let i = 3; i < 3 + group.keys; i++) {
      if (owner.get(args[i]) === group) owner.delete(args[i]);
    }
  };
  let grouping = false;
  commands.forEach((command, index) => {
    const args = command.args;
    const keys = keyCount(command);
    const candidate = owner.get(args[3]);
    if (candidate !== undefined && command.script?.group !== undefined) {
      if (sameGroup(candidate.first, command, keys)) {
        candidate.calls.push(index);
        grouping = true;
        return;
      }
    }
    // Another call on a key of an open group closes that group.
    for (let i = 3; i < 3 + keys; i++) {
      const group = owner.get(args[i]);
      if (group !== undefined) close(group);
    }
    if (command.script?.group === undefined) {
      units.push(new Unit(command, Array.of(index), false));
      return;
    }
    const started: Open = { first: command, keys, calls: Array.of(index) };
    units.push(started);
    for (let i = 3; i < 3 + keys; i++) owner.set(args[i], started);
  });
  if (!grouping) return alone(commands);
  return units.map((unit) => {
    if (!('first' in unit)) return unit;
    const calls = unit.calls;
    if (calls.length === 1) return new Unit(commands[calls[0]], calls, false);
    return new Unit(groupCommand(calls.map((i) => commands[i])), calls, true);
  });
}

/** Each call as it came. */
function alone(commands: readonly Command[]): Unit[] {
  return commands.map((command, index) => new Unit(command, Array.of(index), false));
}

/**
 * Whether `command` joins the group `first` started: the same script (so the same group
 * script), as many arguments, and the same keys and shared arguments.
 */
function sameGroup(first: Command, command: Command, keys: number): boolean {
  const a = first.args;
  const b = command.args;
  if (first.script !== command.script || a.length !== b.length || keyCount(first) !== keys) {
    return false;
  }
  for (let i = 3, end = 3 + keys + command.script!.group!.shared; i < end; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && !(typeof x !== 'string' && typeof y !== 'string' && x.equals(y))) return false;
  }
  return true;
}

/** The group script's call for `calls` (same script, keys and shared arguments). */
function groupCommand(calls: readonly Command[]): Command<unknown> {
  const [first] = calls;
  const script = first.script!;
  const group = script.group!;
  const keys = first.args.slice(3, 3 + keyCount(first));
  const start = 3 + keys.length;
  const args: RedisArg[] = first.args.slice(start, start + group.shared);
  args.push(String(calls.length));
  for (const call of calls) {
    for (let i = start + group.shared; i < call.args.length; i++) args.push(call.args[i]);
  }
  const write = calls.some((call) => call.write);
  const evalsha = group.script.evalsha(keys, args);
  return new Call(evalsha, write, undefined, first.model, first.key, group.script);
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
