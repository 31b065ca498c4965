import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisArg } from '../command.js';

/**
 * A Lua script kept in its own `.lua` file beside this module. Commands run it with EVALSHA and
 * fall back to EVAL when the server does not know it yet (NOSCRIPT).
 *
 * @internal
 */
export class Script {
  /** The Lua source. */
  readonly source: string;
  /** SHA1 of the source, as SCRIPT LOAD computes it. */
  readonly sha: string;

  constructor(
    /** File name without `.lua`, for messages. */
    readonly name: string,
    source: string,
  ) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Loads `src/scripts/<name>.lua` (copied beside the compiled module). */
  static load(name: string): Script {
    const source = readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
    return new Script(name, source);
  }

  /** The EVALSHA command for these keys and arguments. */
  evalsha(keys: readonly RedisArg[], args: readonly RedisArg[]): RedisArg[] {
    return ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
  }

  /** Turns an EVALSHA command of this script into the equivalent EVAL. */
  toEval(evalsha: readonly RedisArg[]): RedisArg[] {
    return ['EVAL', this.source, ...evalsha.slice(2)];
  }
}
