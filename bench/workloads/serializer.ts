import { field, serializable, serializer } from '../../src/index.js';
import { check, makeDoc, type Doc } from '../types.js';
import type { SampleRun, Subject, Workload } from './workload.js';

/** A class instance the Typed serializer revives (with a Date and nested values). */
@serializable('BenchOrder')
class Order {
  @field() id = 0;
  @field() customer = '';
  @field() placed = new Date(0);
  @field() lines: Array<{ sku: string; qty: number }> = [];
  @field() total = 0;
}

/** The fields of order `id` (also the Document workload's). */
export function orderFields(id: number) {
  return {
    id,
    customer: 'ada.lovelace@example.com',
    placed: new Date(1_714_564_800_000 + id),
    lines: [
      { sku: 'A-100', qty: 2 },
      { sku: 'B-200', qty: 1 },
    ],
    total: 129.9,
  };
}

/** Whether `order` holds the fields of order `i`, its Date revived (also the Document workload's). */
export function orderMatches(order: ReturnType<typeof orderFields>, i: number): boolean {
  return (
    order.id === i &&
    order.placed instanceof Date &&
    order.placed.getTime() === 1_714_564_800_000 + i &&
    order.lines[1]?.sku === 'B-200' &&
    order.total === 129.9
  );
}

function makeOrder(id: number): Order {
  return Object.assign(new Order(), orderFields(id));
}

/** A subject that encodes then decodes `value(i)` and checks what came back. */
function codec<T>(
  id: string,
  label: string,
  value: (i: number) => T,
  encode: (value: T) => string,
  decode: (raw: string) => T,
  ok: (decoded: T, i: number) => boolean,
): Subject {
  return {
    id,
    label,
    sample: (): SampleRun => ({
      kind: 'sync',
      op: (i) => {
        const back = decode(encode(value(i)));
        if (!ok(back, i)) throw new Error(`${label}: round trip of ${i} gave ${String(back)}`);
      },
      check: ({ ops }) => check(ops > 0, () => `${label}: nothing ran`),
    }),
  };
}

/** Typed vs JSON on a plain ~200-byte document (no server). */
export const serializerDoc: Workload = {
  id: 'serializer-doc',
  title: 'serializer encode + decode of the 200-byte plain document (no server)',
  unit: 'encode+decode',
  concurrency: 1,
  perOp: 1,
  usesServer: false,
  subjects: () => [
    codec<Doc>(
      'typed',
      'serializer.Typed',
      makeDoc,
      (v) => serializer.Typed.encode(v) as string,
      (raw) => serializer.Typed.decode(raw) as Doc,
      (doc, i) => doc.id === i && doc.address.city === 'London',
    ),
    codec<Doc>(
      'json',
      'serializer.JSON',
      makeDoc,
      (v) => serializer.JSON.encode(v) as string,
      (raw) => serializer.JSON.decode(raw) as Doc,
      (doc, i) => doc.id === i && doc.address.city === 'London',
    ),
  ],
};

/** Typed on a class instance with a Date vs JSON plus the revival a JSON user writes by hand. */
export const serializerClass: Workload = {
  id: 'serializer-class',
  title: 'serializer encode + decode of a class instance with a Date (no server)',
  unit: 'encode+decode',
  concurrency: 1,
  perOp: 1,
  usesServer: false,
  subjects: () => {
    const ok = (order: Order, i: number): boolean =>
      order instanceof Order && orderMatches(order, i);
    return [
      codec<Order>(
        'typed',
        'serializer.Typed',
        makeOrder,
        (v) => serializer.Typed.encode(v) as string,
        (raw) => serializer.Typed.decode(raw) as Order,
        ok,
      ),
      codec<Order>(
        'json',
        'JSON + revival by hand',
        makeOrder,
        (v) => JSON.stringify(v),
        (raw) => {
          const plain = JSON.parse(raw) as Order & { placed: string };
          return Object.assign(new Order(), plain, { placed: new Date(plain.placed) });
        },
        ok,
      ),
    ];
  },
};
