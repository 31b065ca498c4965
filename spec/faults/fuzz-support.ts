import { expect } from 'chai';
import fc from 'fast-check';
import { inspect } from 'node:util';

/**
 * What the fuzz specs (`spec/faults/fuzz-*.spec.ts`, `secrets.spec.ts`) share: how many runs a
 * property gets and with which seed, and the check that no piece of a secret shows in a text.
 *
 * Runs are bounded and the seed is fixed, so the suite takes the same inputs on every run and
 * cannot flake. To hunt further: `FUZZ_SEED=random` (fast-check picks a seed and prints it with
 * any counterexample) or `FUZZ_SEED=<n>` to replay one, and `FUZZ_RUNS=<factor>` for more runs.
 */

/** The seed of every property, unless FUZZ_SEED says otherwise. */
const FIXED_SEED = 0x5eed_10;

/**
 * fast-check's parameters for a property of `base` runs; `examples` (inputs that once failed,
 * or the corners the issue names) run first, every time.
 */
export function fuzz<Ts>(base: number, examples: Ts[] = []): fc.Parameters<Ts> {
  const factor = Number(process.env.FUZZ_RUNS ?? 1);
  const numRuns = Math.max(1, Math.round(base * (Number.isFinite(factor) ? factor : 1)));
  const seedText = process.env.FUZZ_SEED;
  const seed =
    seedText === 'random' ? undefined : seedText !== undefined ? Number(seedText) : FIXED_SEED;
  return seed === undefined ? { numRuns, examples } : { numRuns, seed, examples };
}

/** Letters no message of the library uses: a secret made of them cannot show by chance. */
export const MARKERS = 'QZXJKW';

/**
 * A distinctive secret (a password, a user name): marker letters mixed with the characters a
 * DSN must percent-encode, digits and non-ASCII, with at least `markers` marker letters.
 */
export function secretArb(
  options: { minLength?: number; maxLength?: number; markers?: number } = {},
): fc.Arbitrary<string> {
  const { minLength = 4, maxLength = 20, markers = 2 } = options;
  const unit = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...MARKERS) },
    { weight: 2, arbitrary: fc.constantFrom(...'?#/@:%+&=[]; .~!$*\'"\\') },
    { weight: 1, arbitrary: fc.constantFrom('0', '7', 'é', '😀', '\u0000', '\n', '\t') },
  );
  return fc
    .string({ unit, minLength, maxLength })
    .filter((s) => [...s].filter((c) => MARKERS.includes(c)).length >= markers);
}

/**
 * The pieces of `secrets` that must never show: each substring of at least `min` characters
 * that holds a marker letter, the whole secret included (a shorter or marker-less piece such
 * as `"6379"` or `"://"` may appear in a message for its own reasons).
 */
export function fragmentsOf(secrets: Iterable<string>, min = 4): string[] {
  const pieces = new Set<string>();
  for (const secret of secrets) {
    for (let i = 0; i < secret.length; i++) {
      for (let j = i + min; j <= secret.length; j++) {
        const piece = secret.slice(i, j);
        if ([...MARKERS].some((m) => piece.includes(m))) pieces.add(piece);
      }
    }
  }
  return [...pieces];
}

/**
 * Every text a value can be shown as: `String()`, `util.inspect` (full depth, and with colors
 * off), `JSON.stringify`; for an error also its message and stack, and the same for each error
 * of its `cause` chain, its `errors` (AggregateError) and its batch `failures`.
 */
export function textsOf(value: unknown, seen = new Set<unknown>()): string[] {
  if (seen.has(value)) return [];
  seen.add(value);
  const texts: string[] = [];
  const safe = (show: () => string | undefined): void => {
    try {
      const text = show();
      if (text !== undefined) texts.push(text);
    } catch (error) {
      texts.push(`<${String(error)}>`);
    }
  };
  safe(() => String(value));
  safe(() => inspect(value, { depth: Infinity }));
  safe(() => JSON.stringify(value));
  if (value instanceof Error) {
    texts.push(value.message, value.stack ?? '');
    const more = value as Error & { errors?: unknown[]; failures?: Array<{ error: unknown }> };
    if (value.cause !== undefined) texts.push(...textsOf(value.cause, seen));
    for (const inner of more.errors ?? []) texts.push(...textsOf(inner, seen));
    for (const failure of more.failures ?? []) texts.push(...textsOf(failure.error, seen));
  }
  return texts;
}

/** Asserts that no piece of `secrets` shows in any text of `value`. */
export function expectNoSecret(value: unknown, secrets: Iterable<string>, label = ''): void {
  const pieces = fragmentsOf(secrets);
  for (const text of textsOf(value)) {
    for (const piece of pieces) {
      if (text.includes(piece)) {
        expect.fail(`${label} shows the secret piece ${JSON.stringify(piece)} in: ${text}`);
      }
    }
  }
}
