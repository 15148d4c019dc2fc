// Pure logic of the metrics explorer: the pickers' query text (DQL and PromQL), the queries in the
// URL (A, B, ...), the time bucket added to DQL selects, and series → table rows.
import type { Series } from '../../lib/api';

export type Lang = 'dql' | 'promql';

export interface Builder {
  measurement: string;
  field: string;
  agg: string; // avg, max, min, sum, last, count, ...
  filters: { key: string; op: '=' | '!='; value: string }[];
  by: string[];
}

export const AGGREGATES = ['avg', 'max', 'min', 'sum', 'last', 'first', 'count', 'median', 'p90', 'p95', 'p99'];
// PromQL has no last/first/median/pNN aggregation: the pickers map them to the closest one.
const PROM_AGG: Record<string, string> = { avg: 'avg', max: 'max', min: 'min', sum: 'sum', count: 'count' };

export function emptyBuilder(): Builder {
  return { measurement: '', field: '', agg: 'avg', filters: [], by: [] };
}

const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['and', 'or', 'not', 'in', 'as', 'by', 'having', 'order', 'sorder', 'limit', 'offset',
  'slimit', 'soffset', 'asc', 'desc', 'filter', 'link', 'with', 'true', 'false', 'nil']);

// A DQL name: bare when it is a plain word, else in backticks (`read_bytes/sec`).
export function dqlName(n: string): string {
  return WORD.test(n) && !RESERVED.has(n.toLowerCase()) ? n : `\`${n}\``;
}

export function dqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function promString(s: string): string {
  return JSON.stringify(s);
}

// `M::cpu:(avg(usage_total)) {host = 'h1'} BY host`; '' until a measurement is picked.
export function buildDql(b: Builder): string {
  if (!b.measurement) return '';
  let q = `M::${dqlName(b.measurement)}`;
  if (b.field) q += `:(${b.agg ? `${b.agg}(${dqlName(b.field)})` : dqlName(b.field)})`;
  const fs = b.filters.filter((f) => f.key && f.value !== '');
  if (fs.length) q += ` {${fs.map((f) => `${dqlName(f.key)} ${f.op} ${dqlString(f.value)}`).join(', ')}}`;
  if (b.by.length) q += ` BY ${b.by.map(dqlName).join(', ')}`;
  return q;
}

// `avg by (host) (cpu_usage_total{host="h1"})`: field f of measurement m is the metric m_f.
export function buildPromql(b: Builder): string {
  if (!b.measurement || !b.field) return '';
  const fs = b.filters.filter((f) => f.key && f.value !== '');
  const sel = `${b.measurement}_${b.field}`.replace(/[^A-Za-z0-9_:]/g, '_') +
    (fs.length ? `{${fs.map((f) => `${f.key}${f.op}${promString(f.value)}`).join(', ')}}` : '');
  const agg = PROM_AGG[b.agg];
  if (!agg) return b.by.length ? `avg by (${b.by.join(', ')}) (${sel})` : sel;
  return `${agg}${b.by.length ? ` by (${b.by.join(', ')})` : ''} (${sel})`;
}

export function buildQuery(lang: Lang, b: Builder): string {
  return lang === 'promql' ? buildPromql(b) : buildDql(b);
}

// Where a DQL statement's top level has its clauses: scanning outside strings, backticks and
// brackets. Returns the index of the first top-level char of `BY/HAVING/ORDER/LIMIT/...`, whether a
// top-level `[...]` time clause exists, and whether the statement is a select (`M::...`, `cpu:(..)`)
// rather than a call (show_*, eval, ...).
export function dqlShape(q: string): { select: boolean; hasTime: boolean; clauseAt: number } {
  let depth = 0;
  let hasTime = false;
  let clauseAt = -1;
  let i = 0;
  const n = q.length;
  const trimmed = q.trimStart();
  const select = /^(M|metric)\s*::/i.test(trimmed) || /^[A-Za-z_][\w]*\s*:\s*\(/.test(trimmed) &&
    !/^[A-Za-z_]\w*\s*\(/.test(trimmed);
  while (i < n) {
    const c = q[i];
    if (c === "'" || c === '"' || c === '`') {
      const close = c;
      i++;
      while (i < n && q[i] !== close) i += q[i] === '\\' && close !== '`' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '#' && q[i + 1] !== '{') { // comment
      while (i < n && q[i] !== '\n') i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') {
      if (c === '[' && depth === 0) hasTime = true;
      depth++;
    } else if (c === ')' || c === '}' || c === ']') {
      depth = Math.max(0, depth - 1);
    } else if (depth === 0 && clauseAt < 0 && /[A-Za-z]/.test(c) && (i === 0 || /\s/.test(q[i - 1]))) {
      const m = /^(BY|HAVING|ORDER|LIMIT|OFFSET|SORDER|SLIMIT|SOFFSET|FILTER|LINK)\b/i.exec(q.slice(i));
      if (m) clauseAt = i;
    }
    i++;
  }
  return { select, hasTime, clauseAt };
}

// A metrics DQL select without a time clause gets `[::<interval>s]` (before BY/...) so it draws as
// a series over the range; other statements are left as written.
export function withInterval(q: string, intervalS: number): string {
  const s = dqlShape(q);
  if (!s.select || s.hasTime) return q;
  const t = `[::${intervalS}s]`;
  if (s.clauseAt < 0) return `${q.trimEnd()} ${t}`;
  return `${q.slice(0, s.clauseAt).trimEnd()} ${t} ${q.slice(s.clauseAt)}`;
}

// ---- The queries in the URL: A is q/lang, B is qB/langB, ...

export interface QuerySpec {
  id: string; // 'A', 'B', ...
  q: string;
  lang: Lang;
}

export const LETTERS = 'ABCDEFGHIJ'.split('');

function keyOf(id: string, base: string): string {
  return id === 'A' ? base : `${base}${id}`;
}

export function readQueries(p: URLSearchParams): QuerySpec[] {
  const out: QuerySpec[] = [];
  for (const id of LETTERS) {
    const q = p.get(keyOf(id, 'q'));
    const lang = p.get(keyOf(id, 'lang')) === 'promql' ? 'promql' : 'dql';
    if (q === null && id !== 'A' && p.get(keyOf(id, 'lang')) === null) continue;
    out.push({ id, q: q ?? '', lang });
  }
  return out;
}

// The URL changes for a list of queries (removed letters are cleared). Ids are renumbered A, B, ...
export function writeQueries(specs: QuerySpec[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  LETTERS.forEach((id, i) => {
    const s = specs[i];
    out[keyOf(id, 'q')] = s?.q || undefined;
    // B.. always carry their language, so an empty query still has its slot.
    out[keyOf(id, 'lang')] = !s ? undefined : id === 'A' ? (s.lang === 'promql' ? 'promql' : undefined) : s.lang;
  });
  return out;
}

export function nextId(specs: QuerySpec[]): string | undefined {
  return LETTERS.find((l) => !specs.some((s) => s.id === l));
}

// ---- Table view

export interface TableRow {
  query: string;
  series: string;
  time: number | null;
  values: Record<string, unknown>;
}

export function seriesLabel(s: Series): string {
  const tags = Object.entries(s.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
  return tags ? `${s.name} {${tags}}` : s.name;
}

// Every row of every series (newest first), cut at `max` rows; the value columns seen.
export function tableRows(results: { id: string; series: Series[] }[], max = 1000):
    { rows: TableRow[]; columns: string[]; total: number } {
  const rows: TableRow[] = [];
  const columns: string[] = [];
  for (const r of results) {
    for (const s of r.series) {
      const ti = s.columns.indexOf('time');
      for (const c of s.columns) if (c !== 'time' && !columns.includes(c)) columns.push(c);
      for (const v of s.values) {
        const values: Record<string, unknown> = {};
        s.columns.forEach((c, i) => { if (i !== ti) values[c] = v[i]; });
        rows.push({ query: r.id, series: seriesLabel(s), time: ti >= 0 ? Number(v[ti]) : null, values });
      }
    }
  }
  rows.sort((a, b) => (b.time ?? 0) - (a.time ?? 0) || a.series.localeCompare(b.series));
  return { rows: rows.slice(0, max), columns, total: rows.length };
}

// The pickers' state back from a query text of the shape they build (a shared link, a reload, an
// "explore" link); undefined for anything else.
export function parseDql(q: string): Builder | undefined {
  const NAME = '(`[^`]+`|[A-Za-z_][\\w\\-.]*)';
  const re = new RegExp(
    `^\\s*M::${NAME}` +
    `(?:\\s*:\\s*\\(\\s*(?:([A-Za-z]\\w*)\\(\\s*${NAME}\\s*\\)|${NAME})\\s*\\))?` +
    `(?:\\s*\\{\\s*${NAME}\\s*(=|!=)\\s*'((?:[^'\\\\]|\\\\.)*)'\\s*\\})?` +
    `(?:\\s+BY\\s+${NAME})?\\s*$`, 'i');
  const m = re.exec(q);
  if (!m) return undefined;
  const unq = (s: string | undefined) => (s === undefined ? '' : s.startsWith('`') ? s.slice(1, -1) : s);
  const [, meas, agg, aggField, bareField, fkey, op, fval, by] = m;
  if (agg && !AGGREGATES.includes(agg.toLowerCase())) return undefined;
  return {
    measurement: unq(meas),
    field: unq(aggField ?? bareField),
    agg: agg ? agg.toLowerCase() : bareField ? '' : 'avg',
    filters: fkey ? [{ key: unq(fkey), op: op as '=' | '!=', value: fval.replace(/\\(.)/g, '$1') }] : [],
    by: by ? [unq(by)] : [],
  };
}
