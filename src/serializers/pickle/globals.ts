import { dateFromState, datetimeFromState, FixedZone, TimeDelta } from './datetime.js';

/**
 * The allow-list of the Pickle decoder: the only globals a pickle may name, and what `REDUCE`
 * does with each, for the argument shapes CPython writes. Nothing here is called dynamically:
 * each entry is a fixed function of plain data.
 *
 * @internal
 * @module
 */

/** What a reduction is: a value, or a message saying why the arguments are refused. */
type Reduced = { value: unknown } | { error: string };

/** A global on the allow-list, as it stands on the decoder's stack. */
export class AllowedGlobal {
  constructor(
    readonly name: string,
    readonly reduce: (args: unknown[], hashable: (value: unknown) => boolean) => Reduced,
  ) {}
}

const ok = (value: unknown): Reduced => ({ value });
const no = (error: string): Reduced => ({ error });

function setOf(kind: string, args: unknown[], hashable: (value: unknown) => boolean): Reduced {
  if (args.length === 0) return ok(new Set());
  if (args.length !== 1 || !Array.isArray(args[0])) return no(`${kind}() takes one list here`);
  const items = args[0] as unknown[];
  if (!items.every(hashable)) return no(`${kind}() of an unhashable item`);
  return ok(new Set(items));
}

function bytesOf(kind: string, args: unknown[]): Reduced {
  if (args.length === 0) return ok(Buffer.alloc(0));
  if (args.length === 1 && Buffer.isBuffer(args[0])) return ok(Buffer.from(args[0]));
  return no(`${kind}() takes bytes here`);
}

/** `_codecs.encode(text, 'latin1')`: how protocols 0 to 2 write bytes. */
function latin1(args: unknown[]): Reduced {
  const [text, codec] = args;
  if (
    args.length !== 2 ||
    typeof text !== 'string' ||
    (codec !== 'latin1' && codec !== 'latin-1')
  ) {
    return no("_codecs.encode() takes (str, 'latin1') here");
  }
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) > 0xff) return no('_codecs.encode() of a character beyond Latin-1');
  }
  return ok(Buffer.from(text, 'latin1'));
}

function state(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' && !/[^\0-\xff]/.test(value)
    ? Buffer.from(value, 'latin1')
    : undefined;
}

function datetime(args: unknown[]): Reduced {
  const bytes = state(args[0]);
  const zone = args[1];
  if (
    bytes === undefined ||
    args.length > 2 ||
    (args.length === 2 && !(zone instanceof FixedZone))
  ) {
    return no('datetime() takes (state bytes[, timezone]) here');
  }
  const date = datetimeFromState(bytes, zone as FixedZone | undefined);
  return typeof date === 'string' ? no(date) : ok(date);
}

function date(args: unknown[]): Reduced {
  const bytes = state(args[0]);
  if (bytes === undefined || args.length !== 1) return no('date() takes (state bytes) here');
  const value = dateFromState(bytes);
  return typeof value === 'string' ? no(value) : ok(value);
}

const DAY_MS = 86_400_000;

function timedelta(args: unknown[]): Reduced {
  const [days, seconds, micro] = args;
  if (
    args.length !== 3 ||
    !Number.isSafeInteger(days) ||
    !Number.isSafeInteger(seconds) ||
    !Number.isSafeInteger(micro) ||
    Math.abs(days as number) > 1 ||
    (seconds as number) < 0 ||
    (seconds as number) >= 86_400 ||
    (micro as number) < 0 ||
    (micro as number) > 999_999
  ) {
    return no('timedelta() takes (days, seconds, microseconds) of a timezone offset here');
  }
  return ok(
    new TimeDelta(
      (days as number) * DAY_MS + (seconds as number) * 1000 + Math.floor((micro as number) / 1000),
    ),
  );
}

function timezone(args: unknown[]): Reduced {
  const [delta, name] = args;
  if (
    !(delta instanceof TimeDelta) ||
    args.length > 2 ||
    (args.length === 2 && typeof name !== 'string') ||
    Math.abs(delta.ms) >= DAY_MS
  ) {
    return no('timezone() takes (timedelta[, name]) of less than a day here');
  }
  return ok(new FixedZone(delta.ms));
}

const SET = new AllowedGlobal('set', (args, check) => setOf('set', args, check));
const FROZENSET = new AllowedGlobal('frozenset', (args, check) => setOf('frozenset', args, check));
const BYTES = new AllowedGlobal('bytes', (args) => bytesOf('bytes', args));
const BYTEARRAY = new AllowedGlobal('bytearray', (args) => bytesOf('bytearray', args));

/** `module name` → the global. Python 3 writes `__builtin__` for protocols 0 to 2. */
const ALLOWED = new Map<string, AllowedGlobal>([
  ['builtins set', SET],
  ['__builtin__ set', SET],
  ['builtins frozenset', FROZENSET],
  ['__builtin__ frozenset', FROZENSET],
  ['builtins bytes', BYTES],
  ['__builtin__ bytes', BYTES],
  ['builtins bytearray', BYTEARRAY],
  ['__builtin__ bytearray', BYTEARRAY],
  ['_codecs encode', new AllowedGlobal('_codecs.encode', latin1)],
  ['datetime datetime', new AllowedGlobal('datetime.datetime', datetime)],
  ['datetime date', new AllowedGlobal('datetime.date', date)],
  ['datetime timedelta', new AllowedGlobal('datetime.timedelta', timedelta)],
  ['datetime timezone', new AllowedGlobal('datetime.timezone', timezone)],
]);

/** The allowed global `module.name`, or undefined when it is not on the allow-list. */
export function allowedGlobal(module: string, name: string): AllowedGlobal | undefined {
  return ALLOWED.get(`${module} ${name}`);
}

/** The allow-list as `module.name` strings (documentation, tests). */
export const ALLOWED_GLOBALS: readonly string[] = [...ALLOWED.keys()].map((k) =>
  k.replace(' ', '.'),
);
