import { check } from '../types.js';
import { contenderSubjects, integerAt, type Workload } from './workload.js';

/**
 * What `REUSE = false` costs: every command opens a connection (TCP + HELLO), runs, and closes
 * it. Sequential INCR, the shared connection vs a connection per command.
 */
export const reuseOff: Workload = {
  id: 'reuse-off',
  title: 'INCR sequential: REUSE = true (shared connection) vs REUSE = false (one per command)',
  unit: 'INCR',
  concurrency: 1,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(ctx, ['redisext', 'redisext-noreuse'], (c) => ({
      kind: 'async',
      op: () => c.incr('incr'),
      async check({ ops }) {
        const value = await integerAt(ctx.server, 'bench:incr');
        check(value === ops, () => `${c.label}: counter is ${value} after ${ops} INCR`);
      },
    })),
};
