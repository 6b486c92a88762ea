// Summary and presentation: medians over repetitions, ratios to `direct` and `nginx`, the text table and header.
// Pure functions over plain data (tested in test/bench-report.test.ts).
import type { Driver, LoadResult } from './load';
import { median } from './stats';

export interface Sample extends LoadResult {
  scenario: string;
  target: string;
  rep: number;
  /** CPU seconds used by the target's process tree during the run (null: not measured, e.g. direct). */
  cpuS: number | null;
  peakRssBytes: number | null;
  /** Idle-connection scenarios: connections opened before the run and still open after it. */
  idle?: { opened: number; after: number };
}

export interface Row {
  scenario: string;
  target: string;
  driver: Driver;
  reps: number;
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  mbPerS: number | null;
  /** CPU seconds of the target per 10 000 requests (median over reps). */
  cpuPer10k: number | null;
  /** Highest peak RSS over the reps, MiB. */
  peakRssMiB: number | null;
  /** Non-2xx responses plus connection errors, summed over reps. */
  failures: number;
  idleAfter: number | null;
  /** rps / rps of `direct` (same scenario and driver). */
  vsDirect: number | null;
  /** rps / rps of `nginx`. */
  vsNginx: number | null;
  /** cpuPer10k / cpuPer10k of `nginx` (how much more CPU per request). */
  cpuVsNginx: number | null;
}

export interface Meta {
  date: string;
  git: string | null;
  node: string;
  cpus: number;
  cpuModel: string;
  memGiB: number;
  os: string;
  durationS: number;
  warmupS: number;
  reps: number;
  connections: number;
  workers: number;
  drivers: string[];
  targets: { name: string; detail: string }[];
  skipped: { name: string; reason: string }[];
}

const MiB = 1024 * 1024;

export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** Groups samples by (scenario, target, driver) in first-seen order and takes medians over the reps. */
export function summarize(samples: Sample[]): Row[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) {
    const k = `${s.scenario}\0${s.target}\0${s.driver}`;
    const g = groups.get(k);
    if (g) g.push(s); else groups.set(k, [s]);
  }
  const rows: Row[] = [];
  for (const g of groups.values()) {
    const rss = g.map((s) => s.peakRssBytes).filter((x): x is number => x !== null);
    const idle = g.map((s) => s.idle?.after).filter((x): x is number => x !== undefined);
    rows.push({
      scenario: g[0].scenario, target: g[0].target, driver: g[0].driver, reps: g.length,
      rps: median(g.map((s) => s.rps)),
      p50Ms: median(g.map((s) => s.p50Ms)),
      p99Ms: median(g.map((s) => s.p99Ms)),
      mbPerS: median(g.map((s) => s.bytesPerS / 1e6)),
      cpuPer10k: median(g.map((s) => (s.cpuS === null || s.requests === 0 ? null : (s.cpuS / s.requests) * 10_000))),
      peakRssMiB: rss.length ? Math.max(...rss) / MiB : null,
      failures: g.reduce((a, s) => a + s.non2xx + s.errors, 0),
      idleAfter: idle.length ? Math.min(...idle) : null,
      vsDirect: null, vsNginx: null, cpuVsNginx: null,
    });
  }
  return withRatios(rows);
}

/** Fills the ratio columns from the `direct` and `nginx` rows of the same scenario and driver. */
export function withRatios(rows: Row[], directName = 'direct', nginxName = 'nginx'): Row[] {
  const find = (r: Row, target: string) => rows.find((x) => x.scenario === r.scenario && x.driver === r.driver && x.target === target);
  return rows.map((r) => {
    const d = find(r, directName);
    const n = find(r, nginxName);
    return {
      ...r,
      vsDirect: d ? ratio(r.rps, d.rps) : null,
      vsNginx: n ? ratio(r.rps, n.rps) : null,
      cpuVsNginx: n ? ratio(r.cpuPer10k, n.cpuPer10k) : null,
    };
  });
}

/** Number formatting: thousands separators for big values, 3 significant digits for small ones, "-" for null. */
export function fmt(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  if (a === 0) return '0';
  return Number(x.toPrecision(digits)).toString();
}

export function fmtRatio(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`;
}

const COLUMNS: { head: string; left?: boolean; cell: (r: Row) => string }[] = [
  { head: 'target', left: true, cell: (r) => r.target },
  { head: 'driver', left: true, cell: (r) => r.driver },
  { head: 'req/s', cell: (r) => fmt(r.rps) },
  { head: 'p50 ms', cell: (r) => fmt(r.p50Ms) },
  { head: 'p99 ms', cell: (r) => fmt(r.p99Ms) },
  { head: 'MB/s', cell: (r) => fmt(r.mbPerS) },
  { head: 'CPU s/10k', cell: (r) => fmt(r.cpuPer10k) },
  { head: 'peak RSS MiB', cell: (r) => fmt(r.peakRssMiB) },
  { head: 'vs direct', cell: (r) => fmtRatio(r.vsDirect) },
  { head: 'vs nginx', cell: (r) => fmtRatio(r.vsNginx) },
  { head: 'CPU vs nginx', cell: (r) => fmtRatio(r.cpuVsNginx) },
  { head: 'failed', cell: (r) => (r.failures ? `${fmt(r.failures)} !` : '0') },
];

/** Aligns a header row and body rows into columns. */
export function alignColumns(head: string[], body: string[][], left: boolean[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (left[i] ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

/** The results table: one block per scenario (in row order), one line per target and driver. */
export function formatTable(rows: Row[], descriptions: Record<string, string> = {}): string {
  const out: string[] = [];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  const left = COLUMNS.map((c) => !!c.left);
  for (const sc of scenarios) {
    const rs = rows.filter((r) => r.scenario === sc);
    const idle = rs.find((r) => r.idleAfter !== null);
    out.push(`${sc}${descriptions[sc] ? ` - ${descriptions[sc]}` : ''}${idle ? ` (idle connections still open after the run: ${rs.map((r) => `${r.target} ${r.idleAfter ?? '-'}`).join(', ')})` : ''}`);
    out.push(...alignColumns(COLUMNS.map((c) => c.head), rs.map((r) => COLUMNS.map((c) => c.cell(r))), left).map((l) => `  ${l}`));
    out.push('');
  }
  return out.join('\n');
}

export function formatHeader(m: Meta): string {
  const lines = [
    `Portcullis benchmark  ${m.date}${m.git ? `  git ${m.git}` : ''}`,
    `machine: ${m.cpus} cores (${m.cpuModel}), ${fmt(m.memGiB)} GiB, ${m.os}, node ${m.node}`,
    `NOTE: the load generator (${m.drivers.join(' and ')}), the origin and the proxy under test all share these ${m.cpus} cores:`,
    '      compare targets with each other (the ratios), not with numbers from bigger machines.',
    `settings: ${m.durationS} s measured after a ${m.warmupS} s warm-up, ${m.reps} rep(s) interleaved (A B A B), medians;`
      + ` ${m.connections} connections; ${m.workers} worker(s) per proxy`,
    'targets:',
    ...m.targets.map((t) => `  ${t.name.padEnd(22)} ${t.detail}`),
    ...m.skipped.map((s) => `  ${s.name.padEnd(22)} skipped: ${s.reason}`),
  ];
  return `${lines.join('\n')}\n`;
}
