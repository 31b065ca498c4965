import { expect } from 'chai';
import type { Command } from '../../src/core/command.js';
import { groupCalls, spread } from '../../src/core/grouped-calls.js';
import { Script } from '../../src/core/script.js';

/**
 * The grouping of script calls (core/grouped-calls.ts), without a server: which calls become
 * one group script call, with what arguments, and how its reply goes back to each call.
 */

const grouped = new Script('demo-group-1', 'return ARGV');
const single = new Script('demo-1', 'return ARGV[2]', { script: grouped, shared: 1 });
const other = new Script('other-1', 'return 1');

const call = (script: Script, key: string | Buffer, ...args: string[]): Command => ({
  args: script.evalsha([key], args),
  write: true,
  script,
  model: 'Demo',
  key: String(key),
});

describe('grouped script calls', () => {
  it('groups the calls of one script on the same keys and shared arguments, in order', () => {
    const units = groupCalls([
      call(single, 'a', 'p', '1'),
      call(single, 'a', 'p', '2'),
      call(single, 'a', 'p', '3'),
    ]);
    expect(units).to.have.length(1);
    const [unit] = units;
    expect(unit.grouped).to.equal(true);
    expect(unit.calls).to.deep.equal([0, 1, 2]);
    expect(unit.command.script).to.equal(grouped);
    // shared argument, count, then each call's own arguments
    expect(unit.command.args).to.deep.equal(grouped.evalsha(['a'], ['p', '3', '1', '2', '3']));
    expect(unit.command).to.include({ model: 'Demo', key: 'a', write: true });
  });

  it('keeps apart calls on other keys, with other shared arguments or other argument counts', () => {
    const calls = (...units: ReturnType<typeof groupCalls>) => units.map((unit) => unit.calls);
    expect(
      calls(...groupCalls([call(single, 'a', 'p', '1'), call(single, 'b', 'p', '2')])),
    ).to.deep.equal([[0], [1]]);
    expect(
      calls(...groupCalls([call(single, 'a', 'p', '1'), call(single, 'a', 'q', '2')])),
    ).to.deep.equal([[0], [1]]);
    expect(
      calls(...groupCalls([call(single, 'a', 'p', '1'), call(single, 'a', 'p', '2', 'extra')])),
    ).to.deep.equal([[0], [1]]);
  });

  it('never moves a call past another call on the same key: a group closes there', () => {
    const units = groupCalls([
      call(single, 'a', 'p', '1'),
      call(single, 'a', 'p', '2'),
      call(other, 'a'),
      call(single, 'a', 'p', '3'),
      call(single, 'a', 'p', '4'),
    ]);
    expect(units.map((unit) => unit.calls)).to.deep.equal([[0, 1], [2], [3, 4]]);
  });

  it('lets calls on other keys pass a group (they touch other keys)', () => {
    const units = groupCalls([
      call(single, 'a', 'p', '1'),
      call(other, 'b'),
      call(single, 'a', 'p', '2'),
    ]);
    expect(units.map((unit) => unit.calls)).to.deep.equal([[0, 2], [1]]);
  });

  it('groups nothing sent with a Buffer key (a Buffer and a string may name the same key)', () => {
    const units = groupCalls([
      call(single, 'k', 'p', '1'),
      call(single, Buffer.from('k'), 'p', '2'),
      call(single, 'k', 'p', '3'),
    ]);
    expect(units.map((unit) => unit.calls)).to.deep.equal([[0], [1], [2]]);
    expect(units.every((unit) => !unit.grouped)).to.equal(true);
  });

  it('sends calls as they are when nothing groups', () => {
    const calls = [call(single, 'a', 'p', '1'), call(other, 'b'), call(single, 'c', 'p', '1')];
    const units = groupCalls(calls);
    expect(units.map((unit) => unit.command)).to.deep.equal(calls);
    expect(units.every((unit) => !unit.grouped)).to.equal(true);
  });

  it('spreads each unit reply to its calls: a list per group, an error to each of its calls', () => {
    const units = groupCalls([
      call(single, 'a', 'p', '1'),
      call(other, 'b'),
      call(single, 'a', 'p', '2'),
      call(single, 'c', 'p', '1'),
      call(single, 'c', 'p', '2'),
    ]);
    const failure = new Error('WRONGTYPE');
    expect(spread(units, [['x', 'y'], 'b', failure], 5)).to.deep.equal([
      'x',
      'b',
      'y',
      failure,
      failure,
    ]);
    // missing replies stay undefined (the caller fails those calls)
    expect(spread(units, [['x'], 'b'], 5)).to.deep.equal([
      'x',
      'b',
      undefined,
      undefined,
      undefined,
    ]);
    expect(spread(units, 'not a list', 5)).to.deep.equal(new Array(5).fill(undefined));
  });
});
