import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ROOT } from './environment.js';
import type { BenchResults, TargetResult } from './results.js';

/** `123456.7` → `123,457`; small values keep some decimals. */
function rate(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value >= 100
    ? Math.round(value).toLocaleString('en')
    : value.toLocaleString('en', { maximumFractionDigits: 1 });
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : `${value.toFixed(2)}×`;
}

function verdict(target: TargetResult | undefined): string {
  if (!target) return '';
  const sign = target.kind === 'min' ? '≥' : '≤';
  return `${target.pass ? 'PASS' : 'MISS'} (${sign} ${target.threshold}×)`;
}

/** A Markdown table (also readable as plain text); `right` lists the right-aligned columns. */
function table(head: string[], rows: string[][], right: readonly number[]): string {
  const widths = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (right.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = widths.map((w, i) => (right.includes(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** The ReliableQueue memory workload: used_memory before and after, and what the queue left. */
function renderRqMemory(results: BenchResults): string {
  const m = results.rqMemory!;
  const t = results.targets.find((x) => x.workload === 'rq-memory');
  const left = Object.entries(m.leftovers).map(([key, bytes]) => `${key} ${bytes} B`);
  return table(
    ['rq-memory', 'measured', 'limit', 'target'],
    [
      [
        `${m.messages.toLocaleString('en')} messages through a ReliableQueue (${rate(m.rate)}/s): used_memory after - before`,
        `${m.delta >= 0 ? '+' : ''}${kb(m.delta)} (${mb(m.before)} → ${mb(m.after)}, peak ${mb(m.peak)})`,
        '≤ 1 MB',
        t ? (t.pass ? 'PASS' : 'MISS') : '',
      ],
      [
        `keys the queue left, connections its Connection held`,
        `${left.length > 0 ? left.join(', ') : 'none'}; ${m.connections} connections`,
        '',
        '',
      ],
    ],
    [1],
  );
}

/** The results as Markdown tables: throughput with ratios and targets, then memory. */
export function render(results: BenchResults): string {
  const rows: string[][] = [];
  for (const workload of results.workloads) {
    const ours = workload.subjects[0];
    const title = `${workload.title} [${workload.unit}/s]`;
    rows.push([title, ours.label, rate(ours.median), '', '']);
    for (const subject of workload.subjects.slice(1)) {
      const target = results.targets.find(
        (t) => t.workload === workload.id && t.subject === subject.id,
      );
      rows.push([
        '',
        subject.label,
        rate(subject.median),
        ratio(workload.ratios[subject.id]),
        verdict(target),
      ]);
    }
  }
  const parts: string[] = [];
  if (rows.length > 0) {
    parts.push(table(['workload', 'contender', 'median /s', 'ours / it', 'target'], rows, [2, 3]));
  }
  const notes = results.workloads.flatMap((w) => (w.note ? [`- ${w.note}`] : []));
  if (notes.length > 0) parts.push(notes.join('\n'));
  if (results.rqMemory) parts.push(renderRqMemory(results));
  const memory = results.memory;
  if (memory) {
    const target = (subject: string): string => {
      const t = results.targets.find((x) => x.workload === 'memory' && x.subject === subject);
      return t ? (t.pass ? 'PASS' : 'MISS') : '';
    };
    const { instances: i, operations: o } = memory;
    parts.push(
      table(
        ['memory', 'measured', 'limit', 'target'],
        [
          [
            `${i.count.toLocaleString('en')} model instances: heap per instance`,
            `${i.bytesPerInstance.toFixed(0)} B (key string alone ${i.bytesPerKey.toFixed(0)} B)`,
            '< 200 B',
            target('instance-bytes'),
          ],
          [
            'connections opened by creating them',
            String(i.connectionsOpened),
            '0',
            target('instance-connections'),
          ],
          [
            `${o.count.toLocaleString('en')} operations (mixed, 100 in flight, ${rate(o.opsPerSec)} ops/s): heap growth`,
            mb(o.heapGrowthBytes),
            '< 32 MB',
            target('heap-growth'),
          ],
          [
            `server connections (CLIENT LIST), ${o.consumers} blocking consumer active`,
            `max ${o.maxConnections}, at end ${o.connectionsAtEnd}`,
            `≤ ${o.allowedConnections}`,
            target('connections'),
          ],
        ],
        [1, 2],
      ),
    );
  }
  const held = Object.entries(results.connections);
  if (held.length > 0) {
    parts.push(
      `connections held after the workloads (CLIENT LIST): ${held.map(([id, n]) => `${id} ${n}`).join(', ')}`,
    );
  }
  const passed = results.targets.filter((t) => t.pass).length;
  // Targets of another subject than the workload's first (a variant): not in the table's column.
  const variants = results.targets.filter((t) => t.description.includes(' (redisext-'));
  for (const t of variants) {
    parts.push(`${t.description}: ${t.value.toFixed(2)}× ${t.pass ? 'PASS' : 'MISS'}`);
  }
  parts.push(`targets: ${passed} PASS, ${results.targets.length - passed} MISS`);
  return parts.join('\n\n');
}

/** Writes bench/results/<timestamp>.json; returns its path. */
export function save(results: BenchResults): string {
  const dir = new URL('bench/results/', ROOT);
  mkdirSync(dir, { recursive: true });
  const stamp = results.environment.date.replace(/[:.]/g, '-');
  const file = new URL(`${stamp}.json`, dir);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return fileURLToPath(file);
}
