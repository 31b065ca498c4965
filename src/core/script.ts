import { createHash } from 'node:crypto';
import { LUA, type ScriptName } from '../scripts/sources.js';

/**
 * A Lua script of `src/scripts/` (inlined into the package at build time, so nothing is read
 * from disk). Its file name ends with its number of keys (`lock-acquire-3.lua`), which
 * {@link Script.evalsha} checks.
 *
 * How it runs is the transport's business (one place, `transport/scripts.ts`): EVALSHA, with
 * `SCRIPT LOAD` sent ahead of it in pipelines and transactions and an EVAL retry when a lone
 * command meets an empty script cache.
 *
 * @internal
 */
export class Script {
  /** The Lua source. */
  readonly source: string;
  /** SHA1 of the source, as SCRIPT LOAD computes it. */
  readonly sha: string;
  /** How many keys the script takes (the number its file name ends with). */
  readonly keys: number;

  constructor(
    /** File name without `.lua`, for messages. */
    readonly name: string,
    source: string,
  ) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
    const count = /-(\d+)$/.exec(name);
    this.keys = count ? Number(count[1]) : -1;
  }

  /** The script of `src/scripts/<name>.lua`. */
  static of(name: ScriptName): Script {
    return new Script(name, LUA[name]);
  }

  /** The EVALSHA command for these keys and arguments. */
  evalsha(
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer)[],
  ): (string | Buffer)[] {
    if (this.keys >= 0 && keys.length !== this.keys) {
      throw new TypeError(`script ${this.name} takes ${this.keys} keys, got ${keys.length}`);
    }
    return ['EVALSHA', this.sha, String(keys.length), ...keys, ...args];
  }

  /** Turns an EVALSHA command of this script into the equivalent EVAL. */
  toEval(evalsha: readonly (string | Buffer)[]): (string | Buffer)[] {
    return ['EVAL', this.source, ...evalsha.slice(2)];
  }

  /** The `SCRIPT LOAD` command of this script. */
  load(): string[] {
    return ['SCRIPT', 'LOAD', this.source];
  }
}
