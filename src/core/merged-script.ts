import type { Command, RedisArg } from './command.js';
import { Script } from './script.js';

/**
 * Script calls merged into one: several `EVALSHA`s of our scripts issued together for the same
 * connection become one call of a *runner* script that holds the bodies of the scripts concerned
 * and runs each call in turn, in the order issued, each with its own KEYS and ARGV, exactly as it
 * would have run alone. The server then pays one script call (and the client encodes and decodes
 * one command) for the whole run: measured 4–5× more script calls per second with 100 in flight
 * (`npm run bench`, rl-100 and sem-100).
 *
 * The calls of one runner call share one reading of the server clock (`TIME`: the server's
 * time when the first of them asked), as if they had all arrived at that moment; on a machine
 * whose clock is slow to read, `TIME` alone is a third of a rate limiter's call. The reading is
 * handed to each call as numbers (one table, shared: our scripts only read it), and each script's
 * KEYS table is reused from call to call: converting strings to numbers and making tables are
 * what a call costs most here (a RateLimiter take: 57.5k → 47.7k server instructions, counted
 * with callgrind, together with the script's own parsing once per argument list). The headers
 * repeat from call to call, so each distinct one is parsed once per runner call (1k instructions
 * saved per call). Hence the rule for our scripts: never change or return the KEYS and ARGV
 * tables they are given, nor the table `TIME` returns (another call may get the same table).
 *
 * The runner's reply is one element per call: the call's own reply (`false` for a nil reply, as
 * Redis converts it anyway), or its error (a Lua error or an error reply of that call alone,
 * caught by `pcall`; the calls before and after it are not affected, as when each ran alone).
 *
 * @internal
 * @module
 */

/** The most calls merged into one runner call (bounds the time the server spends in it). */
export const MAX_MERGED = 256;

/** The header's base: at most `SCRIPTS - 1` distinct scripts in one runner call. */
export const SCRIPTS = 32;

const runners = new Map<string, Script>();

/**
 * The runner script of a set of scripts (made and cached once per set: the distinct scripts of
 * one merge, in name order, so a workload makes as many runners as the sets of scripts it issues
 * together, at most).
 *
 * Its ARGV, per call in turn: a header `s + SCRIPTS * (2 * n + keep)` (`s` the script's 1-based
 * index in the set), then `n` arguments: the call's first `n`; with `keep` 1, its others are
 * those of the last call of that script from `n + 1` on (same count), which are not sent again
 * (`n` 0: all of them, and the runner hands the call that call's very ARGV table); with `keep`
 * 0, the call has these `n` alone. Its KEYS: the calls' keys, in turn (as many as its script
 * takes). Each argument costs the server about 1.9k instructions (callgrind): a Lock's
 * acquire sends its new token alone, not the ttl and flags that repeat.
 */
export function runnerOf(scripts: readonly Script[]): Script {
  const name = `merged(${scripts.map((script) => script.name).join(',')})`;
  let runner = runners.get(name);
  if (runner === undefined) {
    runner = new Script(name, runnerSource(scripts));
    runners.set(name, runner);
  }
  return runner;
}

/** How our scripts read the server clock (one reading per runner call instead). */
const TIME = "redis.call('TIME')";

/** The Lua source of the runner of `scripts` (see the module). */
function runnerSource(scripts: readonly Script[]): string {
  const bodies = scripts.map(
    (script, index) =>
      `-- ${script.name}\nrun[${index + 1}] = function(KEYS, ARGV)\n${script.source.replaceAll(TIME, 'redisext_time()')}\nend\n`,
  );
  const keyCounts = scripts.map((script) => script.keys).join(', ');
  return [
    '-- redisext: calls of the scripts below merged into one, run in turn as each would run alone.',
    `-- ARGV: per call, a header h = s + ${SCRIPTS} * (2 * n + keep): s the script's number; then its`,
    '-- first n arguments; keep = 1: the others are those of the last call of that script (same count).',
    '-- KEYS: the keys of every call, in turn (as many as its script takes).',
    '-- Reply: per call, its reply (false for nil) or its error.',
    '-- The calls share one reading of the server clock (TIME), as if they had come together.',
    'local run = {}',
    'local now',
    'local function redisext_time()',
    "  if now == nil then local t = redis.call('TIME'); now = { tonumber(t[1]), tonumber(t[2]) } end",
    '  return now',
    'end',
    ...bodies,
    `local nkeys = { ${keyCounts} }`,
    '-- Per script: the arguments of its last call, its KEYS table (reused); headers parsed.',
    'local last, scratch, headers = {}, {}, {}',
    'local out, k, a, n = {}, 0, 1, 0',
    'while a <= #ARGV do',
    '  local h = headers[ARGV[a]]',
    '  if h == nil then',
    '    h = tonumber(ARGV[a])',
    '    headers[ARGV[a]] = h',
    '  end',
    `  local s = h % ${SCRIPTS}`,
    `  local rest = (h - s) / ${SCRIPTS}`,
    '  local keep = rest % 2',
    '  local na = (rest - keep) / 2',
    '  local keys, args = scratch[s], last[s]',
    '  if keys == nil then keys = {}; scratch[s] = keys end',
    '  for i = 1, nkeys[s] do keys[i] = KEYS[k + i] end',
    '  k, a, n = k + nkeys[s], a + 1, n + 1',
    '  if keep == 0 or na > 0 then',
    '    local previous = args',
    '    args = {}',
    '    for i = 1, na do args[i] = ARGV[a + i - 1] end',
    '    if keep == 1 then',
    '      for i = na + 1, #previous do args[i] = previous[i] end',
    '    end',
    '    a = a + na',
    '    last[s] = args',
    '  end',
    '  local ok, reply = pcall(run[s], keys, args)',
    '  if ok then',
    '    if reply == nil then reply = false end',
    '    out[n] = reply',
    "  elseif type(reply) == 'table' and reply.err then",
    '    out[n] = reply',
    '  else',
    '    out[n] = redis.error_reply(tostring(reply))',
    '  end',
    'end',
    'return out',
    '',
  ].join('\n');
}

/**
 * The runner call for `commands` (EVALSHA commands of our scripts, each with its `script`, at
 * most {@link SCRIPTS} - 1 distinct scripts and {@link MAX_MERGED} calls): the runner and its
 * EVALSHA arguments.
 */
export function mergedCall(commands: readonly Command[]): { script: Script; args: RedisArg[] } {
  // The distinct scripts in name order: a set of scripts always makes the same runner, whatever
  // order its calls came in (the runners, here and in the servers' script caches, stay few).
  const scripts = [...new Set(commands.map((command) => command.script!))];
  if (scripts.length > 1) scripts.sort((a, b) => (a.name < b.name ? -1 : 1));
  const previous: Array<readonly RedisArg[] | undefined> = [];
  const keys: RedisArg[] = [];
  const args: RedisArg[] = [];
  for (const command of commands) {
    const index = scripts.length === 1 ? 0 : scripts.indexOf(command.script!);
    // EVALSHA sha numkeys key... arg...
    const all = command.args;
    const count = Number(all[2]);
    for (let i = 3; i < 3 + count; i++) keys.push(all[i]);
    // The arguments up to the last that differs from the previous call's (a common tail is
    // not sent again); all of them for the first call, or a call with another count.
    const first = 3 + count;
    const last = previous[index];
    let end = all.length;
    if (last !== undefined && last.length === end) {
      while (end > first && same(last[end - 1], all[end - 1])) end--;
    }
    previous[index] = all;
    const keep = end < all.length ? 1 : 0;
    args.push(String(index + 1 + SCRIPTS * (2 * (end - first) + keep)));
    for (let i = first; i < end; i++) args.push(all[i]);
  }
  const script = runnerOf(scripts);
  return { script, args: script.evalsha(keys, args) };
}

/** True when two arguments are the same string, or Buffers of the same bytes. */
function same(x: RedisArg, y: RedisArg): boolean {
  return x === y || (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y));
}
