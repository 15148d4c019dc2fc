// Shapes /v1/query/raw series for each chart type (pure; unit-tested): time series lines, one
// value per series (single stat, gauge, pie, top list, bar), table rows; and unit formatting.
import type { Series } from '../../lib/api';
import { formatBytes, formatNumber } from '../../lib/format';
import type { Reducer, Unit } from './model';

export interface Line {
  name: string;
  points: [number, number | null][];
}

function tagLabel(tags: Record<string, string> | undefined): string {
  return Object.entries(tags ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
}

function valueColumns(s: Series): number[] {
  const out: number[] = [];
  s.columns.forEach((c, i) => {
    if (c !== 'time') out.push(i);
  });
  return out;
}

// A readable label: the tags when there are any (host=web-1), plus the column when the series
// has several value columns or there are no tags; `alias` replaces the column name.
function label(s: Series, col: string, multiCol: boolean, alias?: string): string {
  const tags = tagLabel(s.tags);
  const c = alias || col;
  if (!tags) return c;
  return multiCol || alias ? `${tags} · ${c}` : tags;
}

// One line per series and value column, points sorted by time.
export function toLines(series: Series[], alias?: string): Line[] {
  const out: Line[] = [];
  for (const s of series) {
    const ti = s.columns.indexOf('time');
    const cols = valueColumns(s);
    for (const ci of cols) {
      const points: [number, number | null][] = [];
      for (const row of s.values) {
        const t = ti >= 0 ? Number(row[ti]) : NaN;
        const v = row[ci];
        if (!Number.isFinite(t)) continue;
        points.push([t, v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v)]);
      }
      points.sort((a, b) => a[0] - b[0]);
      out.push({ name: label(s, s.columns[ci], cols.length > 1, alias), points });
    }
  }
  return out;
}

export function reduce(values: (number | null)[], how: Reducer = 'last'): number | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!xs.length) return null;
  switch (how) {
    case 'last': return xs[xs.length - 1];
    case 'avg': return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'max': return Math.max(...xs);
    case 'min': return Math.min(...xs);
    case 'sum': return xs.reduce((a, b) => a + b, 0);
  }
}

export interface NamedValue {
  name: string;
  value: number | null;
}

// One value per series and value column (a DQL aggregate without buckets has one row; a
// bucketed or PromQL series is reduced, by default to its latest point).
export function toValues(series: Series[], how: Reducer = 'last', alias?: string): NamedValue[] {
  const out: NamedValue[] = [];
  for (const s of series) {
    const ti = s.columns.indexOf('time');
    const rows = ti < 0 ? s.values : [...s.values].sort((a, b) => Number(a[ti]) - Number(b[ti]));
    const cols = valueColumns(s);
    for (const ci of cols) {
      const vs = rows.map((r) => (r[ci] === null || r[ci] === undefined ? null : Number(r[ci])));
      out.push({ name: label(s, s.columns[ci], cols.length > 1, alias), value: reduce(vs, how) });
    }
  }
  return out;
}

// Largest first, at most `limit`.
export function topList(values: NamedValue[], limit = 10): NamedValue[] {
  return values.filter((v) => v.value !== null).sort((a, b) => (b.value as number) - (a.value as number))
    .slice(0, limit);
}

export interface TableData {
  columns: string[];
  rows: (string | number | null)[][];
}

// Tag columns first (union over the series), then the value columns, one row per series row
// (latest first), at most `limit` rows.
export function toTable(series: Series[], limit = 200): TableData {
  const tagKeys: string[] = [];
  const valueCols: string[] = [];
  for (const s of series) {
    for (const k of Object.keys(s.tags ?? {})) if (!tagKeys.includes(k)) tagKeys.push(k);
    for (const c of s.columns) if (!valueCols.includes(c)) valueCols.push(c);
  }
  // A time column only when some series has several rows (aggregates over the range have one).
  const hasTime = valueCols.includes('time') && series.some((s) => s.values.length > 1);
  const cols = [...(hasTime ? ['time'] : []), ...tagKeys, ...valueCols.filter((c) => c !== 'time')];
  const rows: (string | number | null)[][] = [];
  for (const s of series) {
    for (const r of s.values) {
      if (rows.length >= limit) break;
      rows.push(cols.map((c) => {
        if (tagKeys.includes(c) && !s.columns.includes(c)) return s.tags?.[c] ?? null;
        const i = s.columns.indexOf(c);
        const v = i >= 0 ? r[i] : null;
        return v === undefined ? null : (v as string | number | null);
      }));
    }
  }
  return { columns: cols, rows };
}

// A value with its unit ("42.5%", "1.5 MiB/s", "850 ms").
export function formatValue(v: number | null | undefined, unit: Unit | string = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'percent': return `${formatNumber(v, 1)}%`;
    case 'bytes': return formatBytes(v);
    case 'bytes/s': return `${formatBytes(v)}/s`;
    case 'ms': return `${formatNumber(v)} ms`;
    case 'us': return `${formatNumber(v)} µs`;
    case 's': return `${formatNumber(v)} s`;
    case 'ops/s': return `${formatNumber(v)}/s`;
    default: return formatNumber(v);
  }
}
