import { check, makeDoc, type Contender } from '../types.js';
import { ALL, contenderSubjects, integerAt, type Context, type Workload } from './workload.js';

/** INCRBY on one key, `concurrency` calls in flight; the key must end at the number of calls. */
function incr(id: string, concurrency: number): Workload {
  return {
    id,
    title: `INCR one key, ${concurrency === 1 ? 'sequential' : `${concurrency} in flight`}`,
    unit: 'INCR',
    concurrency,
    perOp: 1,
    usesServer: true,
    subjects: (ctx: Context) =>
      contenderSubjects(ctx, ALL, (c: Contender) => ({
        kind: 'async',
        op: async () => {
          const value = await c.incr('incr');
          check(typeof value === 'number' && value > 0, () => `${c.label}: INCR gave ${value}`);
        },
        async check({ ops }) {
          const value = await integerAt(ctx.server, 'bench:incr');
          check(value === ops, () => `${c.label}: counter is ${value} after ${ops} INCR`);
        },
      })),
  };
}

/** INCR, one at a time. */
export const incrSequential = incr('incr-seq', 1);

/** INCR, 100 in flight. */
export const incrConcurrent = incr('incr-100', 100);

/** SET of a ~200-byte JSON document then GET of it (one key per worker), 100 in flight. */
export const jsonSetGet: Workload = {
  id: 'json-100',
  title: 'SET + GET of a 200-byte JSON document, 100 in flight',
  unit: 'SET+GET pair',
  concurrency: 100,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(ctx, ALL, (c) => ({
      kind: 'async',
      op: async (i, worker) => {
        const key = `doc:${worker}`;
        await c.setDoc(key, makeDoc(i));
        const doc = await c.getDoc(key);
        check(
          doc !== null && doc.id === i && doc.address.city === 'London',
          () => `${c.label}: GET after SET of document ${i} gave ${JSON.stringify(doc)}`,
        );
      },
      async check({ ops }) {
        const keys = await ctx.server.keys('bench:doc:*');
        check(
          keys.length === Math.min(ops, 100),
          () => `${c.label}: ${keys.length} documents stored`,
        );
      },
    })),
};

/** LPUSH of a JSON item then RPOP (one shared queue), 100 in flight: every pop gets an item. */
export const queuePushPop: Workload = {
  id: 'queue-100',
  title: 'queue push + pop of JSON items, 100 in flight',
  unit: 'push+pop pair',
  concurrency: 100,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(ctx, ALL, (c) => {
      let pushed = 0;
      let popped = 0;
      return {
        kind: 'async',
        op: async (i) => {
          await c.push('jobs', { id: i, kind: 'mail' });
          pushed += i;
          const item = await c.pop('jobs');
          check(item !== null && item.kind === 'mail', () => `${c.label}: pop gave ${item}`);
          popped += item!.id;
        },
        async check() {
          const left = Number(await ctx.server.inspector.sendCommand(['LLEN', 'bench:jobs']));
          check(
            left === 0 && pushed === popped,
            () => `${c.label}: ${left} items left, id sums ${pushed} pushed / ${popped} popped`,
          );
        },
      };
    }),
};

/** SADD of a new member then SISMEMBER of it, 100 in flight; the set ends with every member. */
export const setAddContains: Workload = {
  id: 'set-100',
  title: 'SADD + SISMEMBER, 100 in flight',
  unit: 'SADD+SISMEMBER pair',
  concurrency: 100,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) =>
    contenderSubjects(ctx, ALL, (c) => ({
      kind: 'async',
      op: async (i) => {
        const member = `m${i}`;
        check(await c.sadd('tags', member), () => `${c.label}: SADD ${member} added nothing`);
        check(await c.sismember('tags', member), () => `${c.label}: ${member} not a member`);
      },
      async check({ ops }) {
        const size = Number(await ctx.server.inspector.sendCommand(['SCARD', 'bench:tags']));
        check(size === ops, () => `${c.label}: the set holds ${size} members after ${ops} SADD`);
      },
    })),
};
