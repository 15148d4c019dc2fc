// Pure logic of the logs explorer: the query text (adding / removing facet terms, the terms to
// highlight), the API's rows (status, host, service, message, JSON bodies) and the histogram's
// series. The query language is the server's (docs/api/logs.md, src/server/log_api/log_query.h).

// ---------------------------------------------------------------------------------------------
// Tokens of the query language, enough to find the top-level items and the free-text terms.

export type Token =
  | { kind: 'lparen'; start: number; end: number }
  | { kind: 'rparen'; start: number; end: number }
  | { kind: 'phrase'; text: string; start: number; end: number }
  // raw: as typed (escapes kept); text: unescaped; wildcard: has an unescaped * or ?;
  // key: set for key:value words (value in text/raw after the colon; '' when a "(" group or a
  // phrase follows the colon).
  | { kind: 'word'; raw: string; text: string; wildcard: boolean; key?: string; start: number; end: number };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

// Splits a query into tokens. Never throws: unbalanced quotes end at the end of the text (the
// server reports the error; the UI only needs a best effort for highlighting).
export function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (isSpace(c)) {
      i++;
    } else if (c === '(') {
      out.push({ kind: 'lparen', start: i, end: i + 1 });
      i++;
    } else if (c === ')') {
      out.push({ kind: 'rparen', start: i, end: i + 1 });
      i++;
    } else if (c === '"') {
      const start = i;
      let text = '';
      i++;
      while (i < q.length && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) i++;
        text += q[i];
        i++;
      }
      i++; // closing quote
      out.push({ kind: 'phrase', text, start, end: Math.min(i, q.length) });
    } else {
      const start = i;
      let raw = '';
      let text = '';
      let wildcard = false;
      let key: string | undefined;
      while (i < q.length && !isSpace(q[i]) && q[i] !== '(' && q[i] !== ')' && q[i] !== '"') {
        if (q[i] === '\\' && i + 1 < q.length) {
          raw += q[i] + q[i + 1];
          text += q[i + 1];
          i += 2;
          continue;
        }
        if (q[i] === ':' && key === undefined && text.length > 0) {
          key = text;
          raw = '';
          text = '';
          wildcard = false;
          i++;
          continue;
        }
        if (q[i] === '*' || q[i] === '?') wildcard = true;
        raw += q[i];
        text += q[i];
        i++;
      }
      out.push({ kind: 'word', raw, text, wildcard, key, start, end: i });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Terms to highlight: the free-text terms of the query that are not negated (words, phrases,
// wildcards), as case-insensitive regular expressions over the message. Words follow the server's
// definition (runs of letters, digits, '_').

const WORD_CHARS = '\\p{L}\\p{N}_';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The words of a text as the server's full-text index splits them.
export function words(s: string): string[] {
  return s.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

function wordsPattern(ws: string[]): string {
  return ws.map(escapeRe).join(`[^${WORD_CHARS}]+`);
}

function globPattern(glob: string): string {
  let p = '';
  for (const c of glob) {
    if (c === '*') p += `[${WORD_CHARS}]*`;
    else if (c === '?') p += `[${WORD_CHARS}]`;
    else p += escapeRe(c);
  }
  return p;
}

export interface Highlight {
  terms: string[]; // what is highlighted, for display/tests
  re?: RegExp; // one global regexp (undefined: nothing to highlight)
}

export function highlightTerms(q: string): Highlight {
  const toks = tokenize(q);
  const patterns: string[] = [];
  const terms: string[] = [];
  let negateNext = false;
  // Negated groups: depth markers of groups opened right after a NOT / '-'.
  const negatedDepths: number[] = [];
  let depth = 0;
  const inNegated = () => negatedDepths.length > 0;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'lparen') {
      depth++;
      if (negateNext) negatedDepths.push(depth);
      negateNext = false;
      continue;
    }
    if (t.kind === 'rparen') {
      if (negatedDepths[negatedDepths.length - 1] === depth) negatedDepths.pop();
      depth = Math.max(0, depth - 1);
      negateNext = false;
      continue;
    }
    if (t.kind === 'word' && t.key === undefined && (t.raw === 'AND' || t.raw === 'OR')) {
      negateNext = false;
      continue;
    }
    if (t.kind === 'word' && t.key === undefined && t.raw === 'NOT') {
      negateNext = !negateNext;
      continue;
    }
    let negated = negateNext || inNegated();
    negateNext = false;
    if (t.kind === 'word') {
      let raw = t.raw;
      let text = t.text;
      if (t.key === undefined && raw.startsWith('-') && raw.length > 1) {
        negated = true;
        raw = raw.slice(1);
        text = text.slice(1);
      } else if (t.key === undefined && raw === '-') {
        negateNext = true;
        continue;
      }
      if (t.key !== undefined) {
        // key:value or key:(a OR b) / key:"a b": skip the value group or phrase that follows.
        if (t.raw === '') {
          const next = toks[k + 1];
          if (next?.kind === 'phrase' && next.start === t.end) k++;
          else if (next?.kind === 'lparen' && next.start === t.end) {
            let d = 0;
            for (k = k + 1; k < toks.length; k++) {
              if (toks[k].kind === 'lparen') d++;
              else if (toks[k].kind === 'rparen' && --d === 0) break;
            }
          }
        }
        continue;
      }
      if (negated || !text) continue;
      if (t.wildcard) {
        if (text.replace(/[*?]/g, '') === '') continue;
        patterns.push(globPattern(text));
        terms.push(text);
      } else {
        const ws = words(text);
        if (!ws.length) continue;
        for (const w of ws) patterns.push(escapeRe(w));
        terms.push(...ws);
      }
    } else if (t.kind === 'phrase') {
      if (negated) continue;
      const ws = words(t.text);
      if (!ws.length) continue;
      patterns.push(wordsPattern(ws));
      terms.push(t.text);
    }
  }
  if (!patterns.length) return { terms };
  // Longest first so a phrase wins over its words; whole words only.
  const uniq = [...new Set(patterns)].sort((a, b) => b.length - a.length);
  const re = new RegExp(`(?<![${WORD_CHARS}])(?:${uniq.join('|')})(?![${WORD_CHARS}])`, 'giu');
  return { terms, re };
}

export interface Segment {
  text: string;
  hit: boolean;
}

// Splits text into plain and highlighted segments.
export function splitHighlight(text: string, re?: RegExp): Segment[] {
  if (!re || !text) return [{ text, hit: false }];
  const out: Segment[] = [];
  let last = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index > last) out.push({ text: text.slice(last, m.index), hit: false });
    out.push({ text: m[0], hit: true });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), hit: false });
  return out.length ? out : [{ text, hit: false }];
}

// ---------------------------------------------------------------------------------------------
// Facet terms: `key:value` (or `-key:value`) added to / removed from the query.

const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

// A value as the query language needs it: bare when it is a plain word, quoted otherwise (quoted
// text is literal: no wildcards, no keywords).
export function quoteValue(v: string): string {
  if (v !== '' && !/[\s():"\\*?]/.test(v) && !KEYWORDS.has(v) && !v.startsWith('-')) return v;
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

export function quoteKey(k: string): string {
  return k.replace(/[\s():"\\*?-]/g, (c) => (c === '-' ? c : `\\${c}`));
}

export function facetTerm(key: string, value: string, exclude = false): string {
  return `${exclude ? '-' : ''}${quoteKey(key)}:${quoteValue(value)}`;
}

// The top-level items of a query: [start, end) spans of each item of the top-level AND, or
// undefined when the top level has an OR (then the query is wrapped in parentheses).
interface Item {
  start: number;
  end: number;
  text: string;
}

function matchParen(toks: Token[], k: number): number {
  let d = 0;
  for (; k < toks.length; k++) {
    if (toks[k].kind === 'lparen') d++;
    else if (toks[k].kind === 'rparen' && --d === 0) return k;
  }
  return toks.length - 1;
}

function isKeyword(t: Token | undefined, ...kw: string[]): boolean {
  return t?.kind === 'word' && t.key === undefined && kw.includes(t.raw);
}

function topLevelItems(q: string): Item[] | undefined {
  const toks = tokenize(q);
  const items: Item[] = [];
  let pending: number | undefined; // start of a NOT / '-' prefix
  let k = 0;
  while (k < toks.length) {
    const t = toks[k];
    if (isKeyword(t, 'OR')) return undefined;
    if (isKeyword(t, 'AND') || t.kind === 'rparen') {
      k++;
      continue;
    }
    if (isKeyword(t, 'NOT', '-')) {
      pending ??= t.start;
      k++;
      continue;
    }
    let end = t.end;
    const next = toks[k + 1];
    if (t.kind === 'lparen') {
      k = matchParen(toks, k);
      end = toks[k]?.end ?? q.length;
    } else if (t.kind === 'word' && t.key !== undefined && t.raw === '' && next && next.start === t.end) {
      if (next.kind === 'phrase') {
        k++;
        end = next.end;
      } else if (next.kind === 'lparen') {
        k = matchParen(toks, k + 1);
        end = toks[k]?.end ?? q.length;
      }
    }
    k++;
    const start = pending ?? t.start;
    pending = undefined;
    items.push({ start, end, text: q.slice(start, end) });
  }
  if (pending !== undefined) items.push({ start: pending, end: q.length, text: q.slice(pending) });
  return items;
}

// Canonical form of a key:value item for comparisons ("-status\0error", "status\0error").
function canonical(item: string): string | undefined {
  const toks = tokenize(item);
  let neg = false;
  let k = 0;
  while (isKeyword(toks[k], 'NOT', '-')) {
    neg = !neg;
    k++;
  }
  const t = toks[k];
  if (!t || t.kind !== 'word' || t.key === undefined) return undefined;
  let value: string;
  const next = toks[k + 1];
  if (t.raw === '' && next?.kind === 'phrase') {
    if (toks.length !== k + 2) return undefined;
    value = next.text;
  } else {
    if (toks.length !== k + 1 || t.wildcard) return undefined;
    value = t.text;
  }
  let key = t.key;
  if (key.startsWith('-')) {
    neg = !neg;
    key = key.slice(1);
  }
  return `${neg ? '-' : ''}${key}\u0000${value}`;
}

export type FacetState = 'include' | 'exclude' | undefined;

// Whether the query has `key:value` (include) or `-key:value` (exclude) at its top level.
export function facetState(q: string, key: string, value: string): FacetState {
  const items = topLevelItems(q);
  if (!items) return undefined;
  const want = `${key}\u0000${value}`;
  for (const it of items) {
    const c = canonical(it.text);
    if (c === want) return 'include';
    if (c === `-${want}`) return 'exclude';
  }
  return undefined;
}

// Toggles a facet term: adds `key:value` (or `-key:value`) to the query; the same term again
// removes it; the opposite one is replaced. A query with a top-level OR is wrapped in parentheses
// first so the new term narrows all of it.
export function toggleFacet(q: string, key: string, value: string, exclude = false): string {
  const term = facetTerm(key, value, exclude);
  const items = topLevelItems(q);
  const trimmed = q.trim();
  if (!items) return `(${trimmed}) ${term}`;
  const want = `${key}\u0000${value}`;
  let had: FacetState;
  const kept: Item[] = [];
  for (const it of items) {
    const c = canonical(it.text);
    if (c === want) had = 'include';
    else if (c === `-${want}`) had = 'exclude';
    else continue;
    kept.push(it);
  }
  // Remove the existing term(s) for this key:value from the text, keeping the rest as typed.
  let out = q;
  for (const it of [...kept].reverse()) out = out.slice(0, it.start) + out.slice(it.end);
  out = out.replace(/\s+/g, ' ').trim();
  const same = (had === 'include' && !exclude) || (had === 'exclude' && exclude);
  if (same) return out;
  return out ? `${out} ${term}` : term;
}

// ---------------------------------------------------------------------------------------------
// Rows.

export interface LogRow {
  time: number; // ms
  time_ns: number | string;
  source: string;
  tags: Record<string, string>;
  fields: Record<string, unknown>;
  _id?: string; // the live tail's event id (the row's cursor)
}

export interface SearchResponse {
  rows: LogRow[];
  next: string | null;
  stats?: Record<string, number>;
}

export interface FacetValue {
  value: string;
  count: number;
}
export interface FacetInfo {
  values: FacetValue[];
  distinct: number;
  missing: number;
  truncated: boolean;
}
export interface FacetsResponse {
  total: number;
  facets: Record<string, FacetInfo>;
}

export interface HistogramBucket {
  time: number;
  count: number;
  split?: Record<string, number>;
}
export interface HistogramResponse {
  interval_ms: number;
  total: number;
  buckets: HistogramBucket[];
}

// A tag or field of the row, as text ('' when missing).
export function attr(row: LogRow, key: string): string {
  if (key === 'source') return row.source ?? '';
  const v = row.tags?.[key] ?? row.fields?.[key];
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function message(row: LogRow): string {
  return attr(row, 'message') || attr(row, 'content') || attr(row, 'event_raw');
}

export type StatusClass = 'error' | 'warn' | 'info' | 'debug' | 'ok' | 'unknown';

// DataKit's statuses (emerg, alert, critical, error, warning, notice, info, debug, OK, unknown)
// and common spellings, as a colour class.
export function statusClass(status: string): StatusClass {
  const s = status.toLowerCase();
  if (['error', 'err', 'critical', 'crit', 'fatal', 'emerg', 'emergency', 'alert', 'panic', 'severe'].includes(s)) {
    return 'error';
  }
  if (['warn', 'warning'].includes(s)) return 'warn';
  if (['info', 'notice', 'information', 'informational'].includes(s)) return 'info';
  if (['debug', 'trace', 'verbose'].includes(s)) return 'debug';
  if (s === 'ok' || s === 'success') return 'ok';
  return 'unknown';
}

export const STATUS_COLORS: Record<StatusClass, string> = {
  error: '#dc2626',
  warn: '#f59e0b',
  info: '#3b82f6',
  debug: '#9ca3af',
  ok: '#16a34a',
  unknown: '#c4b5fd',
};

// Severity order for the histogram's stack (errors at the bottom) and legends.
const STATUS_ORDER: StatusClass[] = ['error', 'warn', 'info', 'ok', 'debug', 'unknown'];

export function statusRank(status: string): number {
  return STATUS_ORDER.indexOf(statusClass(status));
}

// The message pretty-printed when it is a JSON object or array; undefined otherwise.
export function prettyJson(text: string): string | undefined {
  const t = text.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    return JSON.stringify(JSON.parse(t), null, 2);
  } catch {
    return undefined;
  }
}

// Every tag and field of a row, tags first, each sorted by key (message excluded: shown apart).
export interface Attribute {
  key: string;
  value: string;
  kind: 'tag' | 'field';
}

export function attributes(row: LogRow): Attribute[] {
  const out: Attribute[] = [{ key: 'source', value: row.source, kind: 'tag' }];
  for (const k of Object.keys(row.tags ?? {}).sort()) out.push({ key: k, value: row.tags[k], kind: 'tag' });
  for (const k of Object.keys(row.fields ?? {}).sort()) {
    if (k === 'message') continue;
    const v = row.fields[k];
    out.push({ key: k, value: typeof v === 'string' ? v : JSON.stringify(v), kind: 'field' });
  }
  return out;
}

// The trace a row belongs to (trace_id as DataKit and OpenTelemetry spell it).
export function traceIdOf(row: LogRow): string | undefined {
  for (const k of ['trace_id', 'traceId', 'traceid', 'dd.trace_id']) {
    const v = attr(row, k);
    if (v) return v;
  }
  return undefined;
}

// FNV-1a of a string, as 8 hex digits.
export function hash32(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

// Stable keys for a list of rows (time and content; identical rows numbered), so an expanded row
// stays expanded when a refresh adds rows above it. The live tail's rows have their event id.
export function rowKeys(rows: LogRow[]): string[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    if (row._id) return row._id;
    const base = `${row.time_ns}:${hash32(JSON.stringify([row.source, row.tags, row.fields]))}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}:${n}` : base;
  });
}

// The byte offset the server reported for a bad query ("... at position 12"), if any.
export function errorPosition(msg: string): number | undefined {
  const m = /at position (\d+)/.exec(msg);
  return m ? Number(m[1]) : undefined;
}

// The surrounding logs of a row ("view context"): the same source, host, service and file, over
// `windowMs` centred on the row.
export function contextLink(row: LogRow, windowMs = 5 * 60_000): { q: string; from: string; to: string } {
  const terms = ['source', 'host', 'service', 'filepath']
    .map((k) => [k, attr(row, k)] as const)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => facetTerm(k, v));
  return {
    q: terms.join(' '),
    from: String(Math.floor(row.time - windowMs / 2)),
    to: String(Math.ceil(row.time + windowMs / 2)),
  };
}

// ---------------------------------------------------------------------------------------------
// Histogram.

export interface StackSeries {
  name: string; // the status ("" shown as "(none)")
  color: string;
  data: [number, number][];
}

// One series per status, ordered by severity, coloured by status class.
export function histogramSeries(h: HistogramResponse): StackSeries[] {
  const names = new Set<string>();
  for (const b of h.buckets) for (const k of Object.keys(b.split ?? {})) names.add(k);
  const sorted = [...names].sort((a, b) => statusRank(a) - statusRank(b) || a.localeCompare(b));
  return sorted.map((name) => ({
    name: name || '(none)',
    color: STATUS_COLORS[statusClass(name)],
    data: h.buckets.map((b) => [b.time, b.split?.[name] ?? 0] as [number, number]),
  }));
}

// Pixel x in a plot area of [left, left + width) to a time in [from, to].
export function pixelToTime(x: number, left: number, width: number, from: number, to: number): number {
  const f = Math.min(1, Math.max(0, (x - left) / Math.max(1, width)));
  return Math.round(from + f * (to - from));
}

// ---------------------------------------------------------------------------------------------
// Requests.

export interface SearchParams {
  q: string;
  start: number;
  end: number;
}

// The common parameters of /v1/logs/* (empty query left out).
export function baseParams(p: SearchParams): Record<string, string | number> {
  const out: Record<string, string | number> = { start: p.start, end: p.end };
  if (p.q.trim()) out.q = p.q.trim();
  return out;
}

// The live tail's URL: EventSource cannot send headers, so the token goes in ?token=.
export function tailUrl(q: string, token: string, since?: number): string {
  const u = new URLSearchParams();
  if (token) u.set('token', token);
  if (q.trim()) u.set('q', q.trim());
  if (since !== undefined) u.set('since', String(since));
  return `/v1/logs/tail?${u.toString()}`;
}

// Adds rows at the top of a capped newest-first buffer (rows arrive oldest first).
export function pushCapped<T>(buffer: T[], incoming: T[], cap: number): T[] {
  const merged = [...incoming].reverse().concat(buffer);
  return merged.length > cap ? merged.slice(0, cap) : merged;
}
