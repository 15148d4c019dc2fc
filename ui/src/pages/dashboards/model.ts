// The dashboard document (docs/dashboards.md): groups of charts, each with DQL or PromQL queries,
// and template variables (#{name}). normalize() fills defaults (and migrates older shapes) so the
// rest of the UI can rely on every field; validate() mirrors the server's checks so the editor
// and the import dialog say what is wrong before a round trip.

export const CHART_TYPES = ['timeseries', 'bar', 'stat', 'table', 'pie', 'toplist', 'gauge'] as const;
export type ChartType = (typeof CHART_TYPES)[number];
export const CHART_TYPE_LABELS: Record<ChartType, string> = {
  timeseries: 'Time series',
  bar: 'Bar',
  stat: 'Single stat',
  table: 'Table',
  pie: 'Pie',
  toplist: 'Top list',
  gauge: 'Gauge',
};

export const UNITS = ['', 'percent', 'bytes', 'bytes/s', 'ms', 'us', 's', 'count', 'ops/s'] as const;
export type Unit = (typeof UNITS)[number];

export const REDUCERS = ['last', 'avg', 'max', 'min', 'sum'] as const;
export type Reducer = (typeof REDUCERS)[number];

export type Lang = 'dql' | 'promql';

export interface ChartQuery {
  lang: Lang;
  q: string;
  alias?: string;
}

export interface ChartOptions {
  stack?: boolean;
  area?: boolean;
  reduce?: Reducer; // single stat, gauge, pie, top list, bar over categories
  limit?: number; // top list, table rows
  min?: number; // gauge
  max?: number; // gauge
}

export interface Chart {
  id: string;
  title: string;
  type: ChartType;
  queries: ChartQuery[];
  unit: Unit;
  width: number; // of 12 columns
  options: ChartOptions;
}

export interface Group {
  title: string;
  collapsed?: boolean;
  charts: Chart[];
}

export type VariableType = 'query' | 'custom' | 'textbox';

export interface Variable {
  name: string;
  label?: string;
  type: VariableType;
  lang?: Lang;
  query?: string; // type query: show_tag_value(...) (DQL) or label_values(metric, label) (PromQL)
  options?: string[]; // type custom
  multi?: boolean;
  include_all?: boolean;
  default?: string | string[];
}

export interface Dashboard {
  id?: string;
  version?: number;
  created?: number;
  updated?: number;
  title: string;
  description?: string;
  tags: string[];
  schema_version: number;
  variables: Variable[];
  groups: Group[];
}

export const SCHEMA_VERSION = 1;
export const ALL = '__all__';
export const LIMITS = { maxBytes: 1 << 20, maxCharts: 200, maxGroups: 50, maxQueries: 10, maxVariables: 30 };

// The server's fields of a stored dashboard (never part of an export or an import).
const SERVER_FIELDS = ['id', 'version', 'created', 'updated'] as const;

let idSeq = 0;
export function newChartId(): string {
  idSeq++;
  return `c${Date.now().toString(36)}${idSeq.toString(36)}`;
}

function str(v: unknown, dflt = ''): string {
  return typeof v === 'string' ? v : dflt;
}

function normalizeChart(raw: any, index: number): Chart {
  const c = raw && typeof raw === 'object' ? raw : {};
  // Older shapes: `query` (one string) and `lang` on the chart; `kind` for `type`; "singlestat".
  let queries: ChartQuery[] = Array.isArray(c.queries)
    ? c.queries.filter((q: any) => q && typeof q === 'object').map((q: any) => ({
        lang: q.lang === 'promql' ? 'promql' : 'dql',
        q: str(q.q ?? q.query),
        ...(q.alias ? { alias: str(q.alias) } : {}),
      }))
    : [];
  if (!queries.length && typeof c.query === 'string') {
    queries = [{ lang: c.lang === 'promql' ? 'promql' : 'dql', q: c.query }];
  }
  let type = str(c.type ?? c.kind, 'timeseries');
  if (type === 'singlestat' || type === 'single_stat') type = 'stat';
  if (type === 'line' || type === 'sequence') type = 'timeseries';
  const width = Number(c.width);
  return {
    id: str(c.id) || `c${index}`,
    title: str(c.title),
    type: type as ChartType,
    queries,
    unit: (UNITS as readonly string[]).includes(c.unit) ? c.unit : '',
    width: Number.isFinite(width) && width >= 1 ? Math.min(12, Math.round(width)) : 6,
    options: c.options && typeof c.options === 'object' ? { ...c.options } : {},
  };
}

// Fills every default: a document from the server, a file being imported or a built-in.
export function normalize(raw: any): Dashboard {
  const d = raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  // Older shape: charts directly on the dashboard, without groups.
  const rawGroups: any[] = Array.isArray(d.groups)
    ? d.groups
    : Array.isArray(d.charts) ? [{ title: '', charts: d.charts }] : [];
  let n = 0;
  const groups: Group[] = rawGroups.filter((g) => g && typeof g === 'object').map((g) => ({
    title: str(g.title),
    ...(g.collapsed ? { collapsed: true } : {}),
    charts: (Array.isArray(g.charts) ? g.charts : []).map((c: any) => normalizeChart(c, n++)),
  }));
  const variables: Variable[] = (Array.isArray(d.variables) ? d.variables : [])
    .filter((v: any) => v && typeof v === 'object')
    .map((v: any) => ({
      ...v,
      name: str(v.name),
      type: v.type === 'custom' || v.type === 'textbox' ? v.type : 'query',
      lang: v.lang === 'promql' ? 'promql' : 'dql',
    }));
  const out: Dashboard = {
    title: str(d.title),
    tags: Array.isArray(d.tags) ? d.tags.filter((t: unknown) => typeof t === 'string') : [],
    schema_version: SCHEMA_VERSION,
    variables,
    groups,
  };
  if (typeof d.description === 'string') out.description = d.description;
  for (const k of SERVER_FIELDS) if (d[k] !== undefined) (out as any)[k] = d[k];
  return out;
}

// The document without the server's fields (export, save as, import).
export function stripServerFields(d: Dashboard): Dashboard {
  const out: any = { ...d };
  for (const k of SERVER_FIELDS) delete out[k];
  return out;
}

export function exportJson(d: Dashboard): string {
  return JSON.stringify(stripServerFields(d), null, 2);
}

// What the server would refuse (and a few things it would accept but the UI cannot show), as
// messages naming the member; empty when fine.
export function validate(raw: unknown, text?: string): string[] {
  const errs: string[] = [];
  if (text !== undefined && new TextEncoder().encode(text).length > LIMITS.maxBytes) {
    errs.push(`dashboard too big: over ${LIMITS.maxBytes} bytes`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    errs.push('the dashboard must be a JSON object');
    return errs;
  }
  const d = raw as any;
  if (typeof d.title !== 'string') errs.push('title: missing');
  else if (!d.title.trim()) errs.push('title: must not be empty');
  if (d.tags !== undefined && (!Array.isArray(d.tags) || d.tags.some((t: unknown) => typeof t !== 'string'))) {
    errs.push('tags: must be an array of strings');
  }
  const names = new Set<string>();
  if (d.variables !== undefined && !Array.isArray(d.variables)) errs.push('variables: must be an array');
  (Array.isArray(d.variables) ? d.variables : []).forEach((v: any, i: number) => {
    if (!v || typeof v !== 'object') return errs.push(`variables[${i}]: must be an object`);
    if (typeof v.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(v.name)) {
      errs.push(`variables[${i}].name: must match [A-Za-z0-9_.-]{1,64}`);
    } else if (names.has(v.name)) errs.push(`variables[${i}].name: "${v.name}" is defined twice`);
    else names.add(v.name);
    if (v.type !== undefined && !['query', 'custom', 'textbox'].includes(v.type)) {
      errs.push(`variables[${i}].type: must be query, custom or textbox`);
    }
  });
  if (d.groups !== undefined && !Array.isArray(d.groups)) errs.push('groups: must be an array');
  let charts = 0;
  (Array.isArray(d.groups) ? d.groups : []).forEach((g: any, gi: number) => {
    if (!g || typeof g !== 'object') return errs.push(`groups[${gi}]: must be an object`);
    if (g.charts !== undefined && !Array.isArray(g.charts)) return errs.push(`groups[${gi}].charts: must be an array`);
    (g.charts ?? []).forEach((c: any, ci: number) => {
      charts++;
      const at = `groups[${gi}].charts[${ci}]`;
      if (!c || typeof c !== 'object') return errs.push(`${at}: must be an object`);
      if (typeof c.type !== 'string') errs.push(`${at}.type: missing`);
      else if (!(CHART_TYPES as readonly string[]).includes(c.type)) {
        errs.push(`${at}.type: unknown chart type "${c.type}" (${CHART_TYPES.join(', ')})`);
      }
      (Array.isArray(c.queries) ? c.queries : []).forEach((q: any, qi: number) => {
        if (!q || typeof q !== 'object') return errs.push(`${at}.queries[${qi}]: must be an object`);
        if (q.lang !== undefined && q.lang !== 'dql' && q.lang !== 'promql') {
          errs.push(`${at}.queries[${qi}].lang: must be "dql" or "promql"`);
        }
        if (typeof q.q !== 'string') errs.push(`${at}.queries[${qi}].q: missing (the query text)`);
      });
    });
  });
  if (charts > LIMITS.maxCharts) errs.push(`too many charts: more than ${LIMITS.maxCharts}`);
  return errs;
}

// Parses an imported file or pasted text: the normalized document, or the reasons it is refused.
export function parseImport(text: string): { dashboard?: Dashboard; errors: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { errors: [`bad JSON: ${(e as Error).message}`] };
  }
  const errors = validate(raw, text);
  if (errors.length) return { errors };
  return { dashboard: stripServerFields(normalize(raw)), errors: [] };
}

// ---- variables ----

export type VarValues = Record<string, string[]>; // [ALL] for "all"

// The value of each variable the URL does not set: its default, else all (when allowed), else
// the first option.
export function initialValue(v: Variable, options: string[]): string[] {
  if (v.default !== undefined) {
    const d = Array.isArray(v.default) ? v.default : [v.default];
    if (d.length) return d;
  }
  if (v.include_all !== false && v.type !== 'textbox') return [ALL];
  return options.length ? [options[0]] : [];
}

// URL form: var-<name>=a,b (commas in values are percent-encoded by the caller's URLSearchParams
// only as a whole, so values are joined with "," and split back; "__all__" for all).
export function varParam(name: string): string {
  return `var-${name}`;
}
export function encodeVarValue(values: string[]): string {
  return values.map((v) => v.replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
}
export function decodeVarValue(s: string): string[] {
  if (s === '') return [];
  return s.split(',').map((v) => v.replace(/%2C/gi, ',').replace(/%25/g, '%'));
}

// The `variables` member of a /v1/query/raw entry (the server substitutes DQL).
export function queryVariables(values: VarValues): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = v.includes(ALL) || v.length === 0 ? ALL : v.length === 1 ? v[0] : v;
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// #{name} in PromQL (substituted here; the server substitutes DQL): one value as is, several
// joined as a regex alternation (use them with =~), all as ".*". Unknown names stay.
export function substitutePromql(q: string, values: VarValues): string {
  return q.replace(/#\{([A-Za-z0-9_.-]+)\}/g, (m, name: string) => {
    const v = values[name];
    if (!v) return m;
    if (v.includes(ALL) || v.length === 0) return '.*';
    if (v.length === 1) return v[0];
    return v.map(escapeRegex).join('|');
  });
}

// The variables a text references.
export function referencedVariables(q: string): string[] {
  return [...new Set([...q.matchAll(/#\{([A-Za-z0-9_.-]+)\}/g)].map((m) => m[1]))];
}

// A PromQL variable query: label_values(metric_or_selector, label).
export function parseLabelValues(q: string): { selector: string; label: string } | undefined {
  const m = /^\s*label_values\s*\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/.exec(q);
  return m ? { selector: m[1], label: m[2] } : undefined;
}

// ---- DQL time buckets ----

const TRAILING_CLAUSES = ['BY', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'SORDER', 'SLIMIT', 'SOFFSET'];

// A DQL select for a time series chart: adds the bucket clause " [::<n>s]" when the query has no
// time clause of its own (a top-level "[...]"), before its BY / ORDER / LIMIT clauses. Call
// statements (show_*(), eval(), ...) are left alone.
export function withInterval(q: string, seconds: number): string {
  const text = q.trim();
  if (!/^[A-Za-z]+(\('[^']*'\))?::/.test(text) && !/^[A-Za-z_]+::/.test(text)) return q;
  let depth = 0;
  let quote = '';
  let insertAt = text.length;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\' && quote !== '`') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      continue;
    }
    if (ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') depth--;
    else if (ch === '[' && depth === 0) return q; // has a time clause
    else if (depth === 0 && /\s/.test(ch) && insertAt === text.length) {
      const rest = text.slice(i + 1);
      const word = /^([A-Za-z]+)\b/.exec(rest)?.[1]?.toUpperCase();
      if (word && TRAILING_CLAUSES.includes(word)) insertAt = i;
    }
  }
  return `${text.slice(0, insertAt)} [::${Math.max(1, Math.round(seconds))}s]${text.slice(insertAt)}`;
}

// ---- editing ----

export function newChart(type: ChartType = 'timeseries'): Chart {
  return { id: newChartId(), title: 'New chart', type, queries: [{ lang: 'dql', q: '' }], unit: '',
           width: type === 'stat' || type === 'gauge' ? 3 : 6, options: {} };
}

export function newDashboard(title = 'New dashboard'): Dashboard {
  return { title, tags: [], schema_version: SCHEMA_VERSION, variables: [],
           groups: [{ title: 'Charts', charts: [] }] };
}

// Moves chart (gi, ci) by delta within its group, or to the neighbouring group at its edges.
export function moveChart(d: Dashboard, gi: number, ci: number, delta: -1 | 1): Dashboard {
  const groups = d.groups.map((g) => ({ ...g, charts: [...g.charts] }));
  const [chart] = groups[gi].charts.splice(ci, 1);
  const to = ci + delta;
  if (to >= 0 && to <= groups[gi].charts.length) groups[gi].charts.splice(to, 0, chart);
  else if (to < 0 && gi > 0) groups[gi - 1].charts.push(chart);
  else if (to > groups[gi].charts.length && gi < groups.length - 1) groups[gi + 1].charts.unshift(chart);
  else groups[gi].charts.splice(ci, 0, chart);
  return { ...d, groups };
}

export function chartCount(d: Dashboard): number {
  return d.groups.reduce((n, g) => n + g.charts.length, 0);
}
