// Test support (not part of the UI bundle): reading the RUM captures in /work/shared/fixtures/rum
// as points, re-stamping them to "now", making variants of a view, and computing what the RUM
// API must answer for a seed (the definitions of docs/api/rum.md), independently of the UI.

export interface LpPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, string | number | boolean>;
  time: number; // ms (the SDK sends precision=ms)
}

function unescape(s: string): string {
  return s.replace(/\\([,= \\])/g, '$1');
}

// InfluxDB line protocol (as the browser SDK writes it: string fields may span lines).
export function parseLineProtocol(text: string): LpPoint[] {
  const out: LpPoint[] = [];
  let i = 0;
  const n = text.length;
  const readUntil = (stops: string): string => {
    const start = i;
    while (i < n && !stops.includes(text[i])) {
      if (text[i] === '\\') i++;
      i++;
    }
    return text.slice(start, i);
  };
  while (i < n) {
    while (i < n && (text[i] === '\n' || text[i] === '\r' || text[i] === ' ')) i++;
    if (i >= n) break;
    if (text[i] === '#') {
      readUntil('\n');
      continue;
    }
    const measurement = unescape(readUntil(', '));
    const tags: Record<string, string> = {};
    while (text[i] === ',') {
      i++;
      const k = unescape(readUntil('='));
      i++;
      tags[k] = unescape(readUntil(', '));
    }
    i++; // space
    const fields: Record<string, string | number | boolean> = {};
    for (;;) {
      const k = unescape(readUntil('='));
      i++;
      if (text[i] === '"') {
        i++;
        let v = '';
        while (i < n && text[i] !== '"') {
          if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
          v += text[i++];
        }
        i++;
        fields[k] = v;
      } else {
        const raw = readUntil(', \n');
        if (/^(t|true|T|True|TRUE)$/.test(raw)) fields[k] = true;
        else if (/^(f|false|F|False|FALSE)$/.test(raw)) fields[k] = false;
        else fields[k] = Number(raw.replace(/[iu]$/, ''));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    let time = NaN;
    if (text[i] === ' ') {
      i++;
      time = Number(readUntil('\n'));
    }
    out.push({ measurement, tags, fields, time });
  }
  return out;
}

// The Guance JSON body ([{measurement, tags, fields, time}]).
export function parseJsonPoints(text: string): LpPoint[] {
  return (JSON.parse(text) as LpPoint[]).map((p) => ({ ...p, fields: { ...p.fields }, tags: { ...p.tags } }));
}

// Shifts the ms timestamps of a line-protocol body (a whole line's trailing 13-digit stamp) so
// that its newest point lands at `newest`. Returns the new body and the shift.
export function restampLineProtocol(text: string, newest: number): { body: string; shift: number } {
  const stamps = [...text.matchAll(/ (\d{13})(?=\n|$)/g)].map((m) => Number(m[1]));
  const shift = newest - Math.max(...stamps);
  return { body: text.replace(/ (\d{13})(?=\n|$)/g, (_, t) => ` ${Number(t) + shift}`), shift };
}

export function restampJson(text: string, newest: number): { body: string; shift: number } {
  const pts = JSON.parse(text) as LpPoint[];
  const shift = newest - Math.max(...pts.map((p) => p.time));
  for (const p of pts) p.time += shift;
  return { body: JSON.stringify(pts), shift };
}

// A copy of a line with some tag values and numeric fields replaced and a new timestamp.
export function variantLine(line: string, tags: Record<string, string>, fields: Record<string, number>,
                            time: number): string {
  const space = line.search(/(?<!\\) /);
  let head = line.slice(0, space);
  let rest = line.slice(space);
  for (const [k, v] of Object.entries(tags)) {
    const esc = v.replace(/([,= ])/g, '\\$1');
    const re = new RegExp(`,${k}=(?:\\\\.|[^,\\\\])*`);
    head = re.test(head) ? head.replace(re, `,${k}=${esc}`) : `${head},${k}=${esc}`;
  }
  for (const [k, v] of Object.entries(fields)) {
    const re = new RegExp(`([ ,])${k}=[-0-9.e]+i?(?=[, ])`);
    rest = re.test(rest) ? rest.replace(re, `$1${k}=${v}`) : rest.replace(/^ /, ` ${k}=${v},`);
  }
  return `${head}${rest.replace(/ \d{13}$/, ` ${time}`)}`;
}

// ---- what the API must answer for a set of points --------------------------------------------

const NS_PER_MS = 1e6;

// Nearest rank: the value at 1-based rank ceil(q*n).
export function nearestRank(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}

export interface ExpectedOverview {
  pv: number;
  uv: number;
  sessions: number;
  error_sessions: number;
  errors: number;
}

// No session of a seed is split by a 15-minute gap (seeds span minutes).
export function expectedOverview(points: LpPoint[]): ExpectedOverview {
  const views = new Map<string, LpPoint>();
  let anon = 0;
  const users = new Set<string>();
  for (const p of points) {
    if (p.measurement !== 'view') continue;
    const id = p.tags.view_id;
    if (!id) {
      anon++;
      users.add(p.tags.userid || `session:${p.tags.session_id}`);
      continue;
    }
    const prev = views.get(id);
    if (!prev || p.time < prev.time) views.set(id, p);
  }
  for (const v of views.values()) users.add(v.tags.userid || `session:${v.tags.session_id}`);
  const sessions = new Set(points.map((p) => p.tags.session_id).filter(Boolean));
  const errs = points.filter((p) => p.measurement === 'error');
  return {
    pv: views.size + anon,
    uv: users.size,
    sessions: sessions.size,
    error_sessions: new Set(errs.map((p) => p.tags.session_id).filter(Boolean)).size,
    errors: errs.length,
  };
}

export const VITAL_FIELDS = {
  largest_contentful_paint_ms: 'largest_contentful_paint',
  first_contentful_paint_ms: 'first_contentful_paint',
  interaction_to_next_paint_ms: 'interaction_to_next_paint',
  cumulative_layout_shift: 'cumulative_layout_shift',
  loading_time_ms: 'loading_time',
  first_input_delay_ms: 'first_input_delay',
} as const;

// Per page (view_path_group, else view_path): views and the p75 of each vital, each view
// counting once with the largest value of its reports.
export function expectedPerformance(points: LpPoint[], q = 0.75):
  Map<string, { views: number } & Record<keyof typeof VITAL_FIELDS, number | null>> {
  const perView = new Map<string, { page: string; v: Record<string, number> }>();
  for (const p of points) {
    if (p.measurement !== 'view') continue;
    const id = p.tags.view_id ?? `${Math.random()}`;
    const page = p.tags.view_path_group || p.tags.view_path || '';
    const cur = perView.get(id) ?? { page, v: {} };
    for (const [, f] of Object.entries(VITAL_FIELDS)) {
      const x = p.fields[f];
      if (typeof x === 'number' && (cur.v[f] === undefined || x > cur.v[f])) cur.v[f] = x;
    }
    perView.set(id, cur);
  }
  const byPage = new Map<string, { page: string; v: Record<string, number> }[]>();
  for (const x of perView.values()) {
    if (!byPage.has(x.page)) byPage.set(x.page, []);
    byPage.get(x.page)!.push(x);
  }
  const out = new Map<string, any>();
  for (const [page, vs] of byPage) {
    const row: any = { views: vs.length };
    for (const [key, f] of Object.entries(VITAL_FIELDS)) {
      const vals = vs.map((x) => x.v[f]).filter((x) => x !== undefined);
      const r = nearestRank(vals, q);
      row[key] = r === null ? null : f === 'cumulative_layout_shift' ? r : r / NS_PER_MS;
    }
    out.set(page, row);
  }
  return out;
}

// Per session id: counts of each event type and view ids.
export function expectedSessions(points: LpPoint[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const viewIds = new Map<string, Set<string>>();
  for (const p of points) {
    const s = p.tags.session_id;
    if (!s) continue;
    const c = out.get(s) ?? { view: 0, action: 0, resource: 0, error: 0, long_task: 0 };
    if (p.measurement === 'view') {
      if (!viewIds.has(s)) viewIds.set(s, new Set());
      viewIds.get(s)!.add(p.tags.view_id);
    } else {
      c[p.measurement] = (c[p.measurement] ?? 0) + 1;
    }
    out.set(s, c);
  }
  for (const [s, c] of out) c.view = viewIds.get(s)?.size ?? 0;
  return out;
}
