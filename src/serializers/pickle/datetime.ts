/**
 * `datetime.datetime` and `datetime.date` as pickled by CPython: a state of 10 (or 4) bytes,
 * and the fixed-offset `datetime.timezone` of an aware datetime.
 *
 * @internal
 * @module
 */

/** A `datetime.timedelta` read from a pickle: only ever the offset of a timezone. */
export class TimeDelta {
  constructor(readonly ms: number) {}
}

/** A fixed-offset `datetime.timezone` (`timezone.utc` is an offset of 0). */
export class FixedZone {
  constructor(readonly offsetMs: number) {}
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function leap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Milliseconds since the epoch of a UTC calendar time; years 1 to 99 are kept as they are. */
function utc(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, 0, 1, h, m, s, ms));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function checkDate(year: number, month: number, day: number): string | undefined {
  if (year < 1 || year > 9999) return `year ${year} is out of range`;
  if (month < 1 || month > 12) return `month ${month} is out of range`;
  const max = month === 2 && !leap(year) ? 28 : DAYS[month - 1];
  if (day < 1 || day > max) return `day ${day} is out of range`;
  return undefined;
}

/**
 * A `datetime.datetime` state (10 bytes: year, month with the fold bit, day, hour, minute,
 * second, microseconds) as a Date. Naive datetimes are read as UTC; sub-millisecond digits are
 * dropped. Returns a message when the state is not a valid datetime.
 */
export function datetimeFromState(state: Buffer, zone?: FixedZone): Date | string {
  if (state.length !== 10) return `a datetime state has 10 bytes, not ${state.length}`;
  const year = state.readUInt16BE(0);
  const month = state[2] & 0x7f;
  const bad = checkDate(year, month, state[3]);
  if (bad !== undefined) return bad;
  const [hour, minute, second] = [state[4], state[5], state[6]];
  const micro = (state[7] << 16) | (state[8] << 8) | state[9];
  if (hour > 23 || minute > 59 || second > 59 || micro > 999_999) return 'the time is out of range';
  const local = utc(year, month, state[3], hour, minute, second, Math.floor(micro / 1000));
  return new Date(local - (zone?.offsetMs ?? 0));
}

/** A `datetime.date` state (4 bytes: year, month, day) as a Date at UTC midnight. */
export function dateFromState(state: Buffer): Date | string {
  if (state.length !== 4) return `a date state has 4 bytes, not ${state.length}`;
  const year = state.readUInt16BE(0);
  const bad = checkDate(year, state[2], state[3]);
  return bad ?? new Date(utc(year, state[2], state[3]));
}

/** The 10-byte state of the UTC datetime of `date`, or a message when Python has no such year. */
export function stateOfDate(date: Date): Buffer | string {
  const time = date.getTime();
  if (Number.isNaN(time)) return 'an invalid Date has no Python form';
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) return `Python's datetime has no year ${year}`;
  const micro = date.getUTCMilliseconds() * 1000;
  const state = Buffer.alloc(10);
  state.writeUInt16BE(year, 0);
  state[2] = date.getUTCMonth() + 1;
  state[3] = date.getUTCDate();
  state[4] = date.getUTCHours();
  state[5] = date.getUTCMinutes();
  state[6] = date.getUTCSeconds();
  state[7] = micro >> 16;
  state[8] = (micro >> 8) & 0xff;
  state[9] = micro & 0xff;
  return state;
}
