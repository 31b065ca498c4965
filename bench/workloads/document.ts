import { Connection, Document, RedisMap, field, serializer } from '../../src/index.js';
import type { Redisext } from '../contenders/redisext.js';
import { check } from '../types.js';
import { orderFields, orderMatches } from './serializer.js';
import type { SampleRun, Subject, Workload } from './workload.js';

/**
 * `Document` save + load of an order (five typed fields, a Date and a nested list) against what
 * a JSON user writes: a `Map` with `serializer.JSON`, `set` then `get` and the Date revived by
 * hand; both on redisext's shared connection, 100 in flight (issue 14: `Document.load` at ≥ 0.5×
 * JSON with revival by hand).
 *
 * @module
 */

class Order {
  @field(Number) id = 0;
  @field(String) customer = '';
  @field(Date) placed = new Date(0);
  @field([Object]) lines: Array<{ sku: string; qty: number }> = [];
  @field(Number) total = 0;
}

function makeOrder(id: number): Order {
  return Object.assign(new Order(), orderFields(id));
}

const ok = (order: Order | null, i: number): boolean =>
  order instanceof Order && orderMatches(order, i);

function subject(
  id: string,
  label: string,
  pair: (key: string, i: number) => Promise<Order | null>,
): Subject {
  return {
    id,
    label,
    sample: (): SampleRun => ({
      kind: 'async',
      op: async (i, worker) => {
        const back = await pair(String(worker), i);
        check(ok(back, i), () => `${label}: load after save of ${i} gave ${JSON.stringify(back)}`);
      },
      check: async ({ ops }) => check(ops > 0, () => `${label}: nothing ran`),
    }),
  };
}

/** Save + load pairs, 100 in flight, one key per worker. */
export const documentPairs: Workload = {
  id: 'document-100',
  title: 'Document save + load of an order (5 typed fields), 100 in flight',
  unit: 'save+load pair',
  concurrency: 100,
  perOp: 1,
  usesServer: true,
  subjects: (ctx) => {
    const connection: typeof Connection = (ctx.contenders.get('redisext') as Redisext).connection;
    class Orders extends Document<Order> {
      static override CONNECTION = connection;
      static override PREFIX = 'bench:order';
      static override SCHEMA = Order;
    }
    class Plain extends RedisMap<Order> {
      static override CONNECTION = connection;
      static override PREFIX = 'bench:order-json';
      static override SERIALIZER = serializer.JSON;
    }
    return [
      subject('redisext', 'redisext Document (save + load)', async (key, i) => {
        const orders = new Orders(key);
        await orders.save(makeOrder(i));
        return orders.load();
      }),
      subject('json-revival', 'Map with serializer.JSON, Date revived by hand', async (key, i) => {
        const plain = new Plain(key);
        await plain.set(makeOrder(i));
        const back = (await plain.get()) as (Order & { placed: string }) | null;
        return back && Object.assign(new Order(), back, { placed: new Date(back.placed) });
      }),
    ];
  },
};
