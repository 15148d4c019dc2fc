// Completion of the metrics query editor: what the cursor is on (a measurement, a field or
// function, a tag key, a tag value, a PromQL metric or label), and applying a picked suggestion.
// Pure: the editor fetches the candidates (catalog.ts) for the context found here.
import type { Lang } from './query';

export type CompletionKind = 'measurement' | 'target' | 'tagKey' | 'tagValue' | 'start' | 'metric' | 'label' | 'labelValue';

export interface CompletionContext {
  kind: CompletionKind;
  prefix: string; // the text being completed (replaced on accept)
  from: number; // where the prefix starts
  measurement?: string; // DQL: the statement's measurement; PromQL: the selector's metric
  key?: string; // tag key / label name of a value
  quoted?: boolean; // the cursor is inside a quoted value (no quotes to add)
}

export const DQL_FUNCTIONS = ['avg', 'sum', 'min', 'max', 'count', 'last', 'first', 'median', 'p50', 'p90', 'p95',
  'p99', 'stddev', 'spread', 'count_distinct', 'distinct', 'percentile', 'fill'];
export const DQL_STATEMENTS = ['show_measurement()', "show_field_key(from=[''])", "show_tag_key(from=[''])",
  "show_tag_value(from=[''], keyin=[''])"];
export const PROM_FUNCTIONS = ['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile', 'rate', 'irate',
  'increase', 'delta', 'deriv', 'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time',
  'count_over_time', 'last_over_time', 'histogram_quantile', 'abs', 'ceil', 'floor', 'round', 'clamp_min',
  'clamp_max', 'label_replace', 'absent', 'sort', 'sort_desc', 'time', 'vector', 'scalar'];

// The text before the cursor with strings and backtick names noted: the opening quote of the
// string the cursor is in (or -1), and the open brackets (innermost last) with their positions.
function scan(text: string, end: number): { quoteAt: number; stack: { c: string; at: number }[] } {
  const stack: { c: string; at: number }[] = [];
  let i = 0;
  while (i < end) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`') {
      const start = i;
      i++;
      while (i < end && text[i] !== c) i += text[i] === '\\' && c !== '`' ? 2 : 1;
      if (i >= end) return { quoteAt: start, stack };
      i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') stack.push({ c, at: i });
    else if ((c === ')' || c === '}' || c === ']') && stack.length) stack.pop();
    i++;
  }
  return { quoteAt: -1, stack };
}

const IDENT_TAIL = /[A-Za-z0-9_.:\-\/]*$/;
const DQL_IDENT_TAIL = /[A-Za-z0-9_\-\/]*$/;

export function dqlMeasurement(text: string): string | undefined {
  const m = /\b(?:M|metric)\s*::\s*(`[^`]+`|[A-Za-z0-9_\-.]+)/i.exec(text);
  if (!m) return undefined;
  return m[1].startsWith('`') ? m[1].slice(1, -1) : m[1];
}

export function completionContext(text: string, cursor: number, lang: Lang): CompletionContext | undefined {
  const before = text.slice(0, cursor);
  const { quoteAt, stack } = scan(text, cursor);
  const top = stack[stack.length - 1];
  if (lang === 'dql') {
    const measurement = dqlMeasurement(text);
    if (quoteAt >= 0) {
      if (text[quoteAt] === '`') return undefined;
      const prefix = before.slice(quoteAt + 1);
      const k = /([A-Za-z_][\w.\-]*|`[^`]+`)\s*(?:=|!=|==|<>|(?:NOT\s+)?IN\s*\[[^\]]*)\s*$/i.exec(before.slice(0, quoteAt));
      if (!k || !top || (top.c !== '{' && top.c !== '[')) return undefined;
      return { kind: 'tagValue', prefix, from: quoteAt + 1, measurement, key: k[1].replace(/`/g, ''), quoted: true };
    }
    const prefix = DQL_IDENT_TAIL.exec(before)![0];
    const from = cursor - prefix.length;
    const head = before.slice(0, from);
    if (/(?:^|[\s(,])(?:M|metric)\s*::\s*$/i.test(head) || (/(?:M|metric)\s*::[\w,\s]*,\s*$/i.test(head) && !top)) {
      return { kind: 'measurement', prefix, from };
    }
    if (top?.c === '{') {
      const k = /([A-Za-z_][\w.\-]*)\s*(?:=|!=)\s*$/.exec(head);
      if (k) return { kind: 'tagValue', prefix, from, measurement, key: k[1], quoted: false };
      if (/(?:^|[{,(]|\b(?:AND|OR|NOT))\s*$/i.test(head)) return { kind: 'tagKey', prefix, from, measurement };
      return undefined;
    }
    if (!top && /\bBY\s+(?:[\w`.\-]+\s*,\s*)*$/i.test(head)) return { kind: 'tagKey', prefix, from, measurement };
    // Inside the target list `:(...)` (at any depth of function calls).
    const targetOpen = stack.find((s) => s.c === '(' && /:\s*$/.test(text.slice(0, s.at)));
    if (targetOpen && stack.every((s) => s.c === '(')) {
      if (/(?:^|[(,+\-*\/])\s*$/.test(head)) return { kind: 'target', prefix, from, measurement };
      return undefined;
    }
    if (!top && head.trim() === '') return { kind: 'start', prefix, from };
    return undefined;
  }
  // PromQL
  if (quoteAt >= 0) {
    if (!top || top.c !== '{') return undefined;
    const k = /([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)\s*$/.exec(before.slice(0, quoteAt));
    if (!k) return undefined;
    const metric = /([A-Za-z_:][\w:]*)\s*$/.exec(text.slice(0, top.at))?.[1];
    return { kind: 'labelValue', prefix: before.slice(quoteAt + 1), from: quoteAt + 1, measurement: metric, key: k[1], quoted: true };
  }
  const prefix = IDENT_TAIL.exec(before)![0].replace(/^[\d.\-\/]+/, '');
  const from = cursor - prefix.length;
  const head = before.slice(0, from);
  if (top?.c === '{') {
    if (/[{,]\s*$/.test(head)) {
      const metric = /([A-Za-z_:][\w:]*)\s*$/.exec(text.slice(0, top.at))?.[1];
      return { kind: 'label', prefix, from, measurement: metric };
    }
    return undefined;
  }
  if (top?.c === '(' && /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(\s*(?:\w+\s*,\s*)*$/i.test(head)) {
    return { kind: 'label', prefix, from };
  }
  if (top?.c === '[') return undefined;
  if (/(?:^|[\s(,+\-*\/^%=<>])$/.test(head) || head === '') return { kind: 'metric', prefix, from };
  return undefined;
}

export interface Suggestion {
  label: string; // shown
  insert: string; // replaces the prefix
  detail?: string; // "measurement", "field (float)", "function", ...
}

// Candidates matching the prefix: starts-with first, then contains; case-insensitive.
export function rankSuggestions(items: Suggestion[], prefix: string, max = 50): Suggestion[] {
  const p = prefix.toLowerCase();
  const starts: Suggestion[] = [];
  const has: Suggestion[] = [];
  const seen = new Set<string>();
  for (const s of items) {
    if (seen.has(s.insert)) continue;
    const l = s.label.toLowerCase();
    if (l === p && s.insert === prefix) continue; // already typed exactly
    if (l.startsWith(p)) starts.push(s);
    else if (p && l.includes(p)) has.push(s);
    else continue;
    seen.add(s.insert);
  }
  return [...starts, ...has].slice(0, max);
}

// The text and cursor after accepting a suggestion.
export function applySuggestion(text: string, cursor: number, ctx: CompletionContext, s: Suggestion):
    { text: string; cursor: number } {
  let end = cursor;
  // Replace the rest of the word under the cursor too.
  const rest = /^[A-Za-z0-9_\-\/]*/.exec(text.slice(cursor))![0];
  end += rest.length;
  let insert = s.insert;
  if (ctx.quoted && text[end] === (text[ctx.from - 1] ?? '')) {
    // closing quote already there: step over it
    const out = text.slice(0, ctx.from) + insert + text.slice(end);
    return { text: out, cursor: ctx.from + insert.length + 1 };
  }
  if (ctx.quoted) insert += text[ctx.from - 1];
  const out = text.slice(0, ctx.from) + insert + text.slice(end);
  return { text: out, cursor: ctx.from + insert.length };
}
