import { check, type BatchOp } from '../types.js';
import { ALL, contenderSubjects, integerAt, type Workload } from './workload.js';

/** Commands per pipeline. */
const SIZE = 10_000;
/** Keys the commands spread over (per kind). */
const KEYS = 100;

/** Half INCRBY on 100 counters, half SET of a small JSON item on 100 keys, interleaved. */
const OPS: readonly BatchOp[] = Array.from({ length: SIZE }, (_, j): BatchOp => {
  const slot = (j >> 1) % KEYS;
  return j % 2 === 0
    ? { kind: 'incr', key: `pc:${slot}` }
    : { kind: 'set', key: `pi:${slot}`, value: { id: j, kind: 'batch' } };
});

/** One pipeline of 10,000 commands at a time: model operations vs the same raw commands. */
export const pipeline10k: Workload = {
  id: 'pipeline-10k',
  title: `pipeline of ${SIZE.toLocaleString('en')} operations (INCRBY + SET JSON)`,
  unit: 'command',
  concurrency: 1,
  perOp: SIZE,
  sampleScale: 3,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(ctx, ALL, (c) => ({
      kind: 'async',
      op: async () => {
        const results = await c.batch(OPS);
        check(
          results.length === SIZE &&
            typeof results[0] === 'number' &&
            typeof results[SIZE - 2] === 'number' &&
            Boolean(results[SIZE - 1]),
          () => `${c.label}: pipeline gave ${results.length} results, e.g. ${results[0]}`,
        );
      },
      async check({ ops }) {
        let total = 0;
        for (let slot = 0; slot < KEYS; slot++)
          total += await integerAt(ctx.server, `bench:pc:${slot}`);
        check(
          total === (ops * SIZE) / 2,
          () => `${c.label}: counters sum to ${total} after ${ops} pipelines`,
        );
      },
    })),
};
