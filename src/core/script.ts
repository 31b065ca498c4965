import { createHash } from 'node:crypto';
import { LUA, type ScriptName } from '../scripts/sources.js';

/**
 * How several calls of a script on the same keys run as one call of another script, which does
 * for each call, in order, what that call would have done alone, and replies with the list of
 * their replies (an error element fails its call only). Its ARGV: the `shared` first arguments
 * (the same in every call grouped), the number of calls n, then the other arguments of each call
 * in turn (all calls grouped have as many).
 *
 * @internal
 */
export interface ScriptGroup {
  /** The script that runs the calls. */
  readonly script: Script;
  /** How many leading ARGV every call grouped has in common. */
  readonly shared: number;
}

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

  /** `EVALSHA` and the SHA1: the start of every call. */
  readonly #head: (string | Buffer)[];

  constructor(
    /** File name without `.lua`, for messages. */
    readonly name: string,
    source: string,
    /**
     * The script that runs several calls of this one on the same keys in one step, when it has
     * one (see `core/grouped-calls.ts`).
     */
    readonly group?: ScriptGroup,
  ) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
    this.#head = ['EVALSHA', this.sha];
    const count = /-(\d+)$/.exec(name);
    this.keys = count ? Number(count[1]) : -1;
  }

  /**
   * The script of `src/scripts/<name>.lua`; with `group`, calls of it issued together for the
   * same keys may run as one call of `group` (see {@link ScriptGroup}).
   */
  static of(name: ScriptName, group?: { name: ScriptName; shared: number }): Script {
    const grouped = group && { script: Script.of(group.name), shared: group.shared };
    return new Script(name, LUA[name], grouped);
  }

  /** The EVALSHA command for these keys and arguments. */
  evalsha(
    keys: readonly (string | Buffer)[],
    args: readonly (string | Buffer)[],
  ): (string | Buffer)[] {
    if (this.keys >= 0 && keys.length !== this.keys) {
      throw new TypeError(`script ${this.name} takes ${this.keys} keys, got ${keys.length}`);
    }
    // A copy of the head, then pushes: an array literal may be pretenured (see `Call`), and
    // `concat` takes 3-4x as long (measured: 60 ns against 207 ns for 5 keys and 7 arguments).
    const command = this.#head.slice();
    command.push(String(keys.length));
    for (let i = 0; i < keys.length; i++) command.push(keys[i]);
    for (let i = 0; i < args.length; i++) command.push(args[i]);
    return command;
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
