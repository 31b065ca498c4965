/**
 * Spans and metrics without a tracing library: a subscriber to redisext's diagnostics channels
 * (and node-redis' own `node-redis:command`) that turns each trace into a span, nests the
 * node-redis command spans under the redisext operation that sent them (an AsyncLocalStorage
 * bound to the operation's start), and prints them. An OpenTelemetry setup does the same with a
 * tracer instead of the array below (docs/observability.md).
 *
 * Run it alone: `npm run build:test && node build/examples/observability.js`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { tracingChannel } from 'node:diagnostics_channel';
import {
  Connection,
  Counter,
  Lock,
  RedisMap,
  type BatchContext,
  type ConnectionMetrics,
  type OperationContext,
} from '../src/index.js';
import { runExample } from './run-example.js';

/** One finished span. */
export interface Span {
  readonly id: number;
  readonly parent?: number;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  ms: number;
  error?: string;
}

/** What the example reports: the spans it printed, and the Connection's counters. */
export interface ObservabilityReport {
  readonly spans: Span[];
  readonly metrics: ConnectionMetrics;
}

/** A tracer in 40 lines: spans from tracing channels, nested through an AsyncLocalStorage. */
function spanRecorder() {
  const spans: Span[] = [];
  const current = new AsyncLocalStorage<Span>();
  const open = new WeakMap<object, { span: Span; since: number }>();
  let next = 1;
  const stop: Array<() => void> = [];

  function record<C extends object>(
    channelName: string,
    describe: (context: C) => Span['attributes'],
    name: (context: C) => string,
  ) {
    const channel = tracingChannel<object, C>(channelName);
    // The span becomes the current one for everything the traced call does (bindStore).
    channel.start.bindStore(current, (context: C) => {
      const span: Span = {
        id: next++,
        parent: current.getStore()?.id,
        name: name(context),
        attributes: describe(context),
        ms: 0,
      };
      open.set(context, { span, since: performance.now() });
      return span;
    });
    const handlers = {
      start: () => undefined,
      end: () => undefined,
      asyncStart: () => undefined,
      error: (context: C) => {
        const error = (context as { error?: unknown }).error;
        const opened = open.get(context);
        if (opened) opened.span.error = error instanceof Error ? error.name : String(error);
      },
      asyncEnd: (context: C) => {
        const opened = open.get(context);
        if (!opened) return;
        opened.span.ms = Math.round((performance.now() - opened.since) * 1000) / 1000;
        spans.push(opened.span);
      },
    };
    channel.subscribe(handlers);
    stop.push(() => {
      channel.unsubscribe(handlers);
      channel.start.unbindStore(current);
    });
  }

  record<OperationContext>(
    'redisext:operation',
    (c) => ({ model: c.model, key: c.key, kind: c.batch }),
    (c) => `${c.model ?? '?'} ${c.command}`,
  );
  record<BatchContext>(
    'redisext:batch',
    (c) => ({ connection: c.connection, operations: c.operations.length }),
    (c) => `${c.connection} ${c.batch}`,
  );
  record<{ command?: string; args?: unknown[] }>(
    'node-redis:command',
    (c) => ({ args: c.args?.map((arg) => String(arg).slice(0, 24)) }), // sanitized by node-redis
    (c) => `redis ${c.command ?? String(c.args?.[0] ?? '?')}`,
  );
  return { spans, stop: () => stop.forEach((s) => s()) };
}

/** Some operations traced: a counter, a failing call, a pipeline, a lock held and released. */
export async function observability(
  Main: typeof Connection,
  name: string,
): Promise<ObservabilityReport> {
  class Visits extends Counter {
    static override CONNECTION = Main;
  }
  class Nightly extends Lock {
    static override CONNECTION = Main;
  }
  class Notes extends RedisMap {
    static override CONNECTION = Main;
  }
  const recorder = spanRecorder();
  try {
    const visits = new Visits(`${name}:visits`);
    await visits.incr();
    // A key that holds text: the server refuses INCRBY (a span with its error).
    await new Notes(`${name}:note`).set('not a number');
    await new Visits(`${name}:note`).incr().catch(() => undefined);
    await Main.pipeline((p) => [visits.in(p).incr(), visits.in(p).get()]);
    const lock = new Nightly(`${name}:nightly`);
    await lock.acquire();
    await lock.release();
  } finally {
    recorder.stop();
  }
  return { spans: recorder.spans, metrics: Main.metrics() };
}

/** Prints spans as an indented tree, children under their parent. */
export function printSpans(spans: readonly Span[]): string {
  const lines: string[] = [];
  const walk = (parent: number | undefined, depth: number): void => {
    for (const span of spans.filter((s) => s.parent === parent)) {
      const error = span.error ? `  ERROR ${span.error}` : '';
      lines.push(
        `${'  '.repeat(depth)}${span.name}  ${span.ms} ms  ${JSON.stringify(span.attributes)}${error}`,
      );
      walk(span.id, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

runExample(import.meta.url, async (Main) => {
  const report = await observability(Main, 'observability-example');
  return `${printSpans(report.spans)}\n\nConnection.metrics(): ${JSON.stringify(report.metrics)}`;
});
