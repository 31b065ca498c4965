import { expect } from 'chai';
import type { Connection } from '../../src/index.js';
import { connectionTo, modelClass, uniq } from '../support/helpers.js';
import { standalone } from '../support/topology.js';
import { AncestorProgram, okOf, type AncestorResult } from './ancestor.js';
import { MODELS, SERIALIZERS, type ModelRow, type RowCall, type SerializerRow } from './cases.js';
import { sortSets } from './python-values.js';

const same = (value: unknown): unknown => value;

/**
 * Every model × serializer of the table in cases.ts, both ways, against the ancestor's commands
 * run by the real python3 + redis-py: Python writes and our model reads; our model writes and
 * Python reads. Pickle values travel in the tagged form of python-values.ts; the Document row
 * (no serializer) runs with its own text row. All Python calls run in one python3 process (in
 * `before`).
 */
describe('Python interop: models × serializers (python3 + redis-py)', function () {
  this.timeout(30_000);
  const program = new AncestorProgram();
  let Main: typeof Connection;

  /** One table cell: the keys of both directions and the getters of Python's results. */
  interface Cell {
    readonly row: ModelRow;
    readonly ser: SerializerRow;
    readonly fromTs: string;
    readonly fromPython: string;
    readonly pythonRead: Array<() => AncestorResult>;
    readonly pythonWrote: Array<() => AncestorResult>;
  }

  const queue = (cell: Omit<Cell, 'pythonRead' | 'pythonWrote'>, key: string, calls: RowCall[]) =>
    calls.map((c) =>
      program.add({
        model: cell.row.name,
        serializer: cell.ser.name,
        key: c.suffix === undefined ? key : `${key}:${c.suffix}`,
        call: c.call,
        args: c.args,
      }),
    );

  const cells: Cell[] = [];
  for (const row of MODELS) {
    const sers = row.own
      ? [row.own]
      : SERIALIZERS.filter((ser) => !row.serializers || row.serializers.includes(ser.name));
    for (const ser of sers) {
      const toPython = (values: readonly unknown[]) => values.map(ser.toPython ?? same);
      const base = {
        row,
        ser,
        fromTs: uniq(`ts-${row.name}-${ser.name}`),
        fromPython: uniq(`py-${row.name}-${ser.name}`),
      };
      cells.push({
        ...base,
        pythonRead: queue(base, base.fromTs, row.pythonReads(toPython(ser.values))),
        pythonWrote: queue(
          base,
          base.fromPython,
          row.pythonWrites(toPython(ser.fromPython ?? ser.values)),
        ),
      });
    }
  }

  const opener = (cell: Cell, key: string) => {
    const Class = modelClass(cell.row.model, Main, cell.ser.serializer, cell.row.name);
    return (suffix?: string) => new Class(suffix === undefined ? key : `${key}:${suffix}`);
  };

  before(async function () {
    this.timeout(60_000);
    const server = await standalone();
    Main = connectionTo(server);
    for (const cell of cells) await cell.row.tsWrites(opener(cell, cell.fromTs), cell.ser.values);
    await program.run(server.url);
  });

  for (const cell of cells) {
    const { row, ser } = cell;
    describe(`${row.name} × ${ser.name}`, () => {
      it('Python writes with the ancestor commands, our model reads the same values', async () => {
        const values = (ser.fromPython ?? ser.values).map(ser.readBack ?? same);
        cell.pythonWrote.forEach((result) => okOf(result()));
        const read = await row.tsReads(opener(cell, cell.fromPython), values);
        expect(read).to.deep.equal(row.expectTs(values));
      });

      it('our model writes, Python reads the same values with the ancestor commands', () => {
        const results = cell.pythonRead
          .map((result) => okOf(result()))
          .map(ser.describe ? sortSets : same);
        const seen = row.normalisePython ? row.normalisePython(results) : results;
        expect(seen).to.deep.equal(row.expectPython(ser.values.map(ser.describe ?? same)));
      });
    });
  }
});
