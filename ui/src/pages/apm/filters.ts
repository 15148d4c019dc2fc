// Trace explorer filters: the URL query <-> /v1/apm/traces parameters.
import type { Params } from '../../lib/api';
import type { TraceSummary } from './types';

export interface TraceFilters {
  service: string;
  resource: string;
  status: string; // '' | 'ok' | 'error'
  min: string; // durations as typed: "100ms", "1.5s", "250us", "20" (ms)
  max: string;
  text: string; // free text; `key:value` terms become tag conditions
}

export const FILTER_KEYS: (keyof TraceFilters)[] = ['service', 'resource', 'status', 'min', 'max', 'text'];

export function readFilters(q: URLSearchParams): TraceFilters {
  const f = {} as TraceFilters;
  for (const k of FILTER_KEYS) f[k] = q.get(k) ?? '';
  return f;
}

// "100ms" -> 100000 (µs); a bare number is milliseconds; undefined when empty or malformed.
export function parseDurationUs(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m)?\s*$/i.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]);
  const unit = (m[2] ?? 'ms').toLowerCase();
  const mult = unit === 'us' || unit === 'µs' ? 1 : unit === 'ms' ? 1000 : unit === 's' ? 1e6 : 60e6;
  return Math.round(v * mult);
}

export interface TextTerms {
  tags: string[]; // "k:v" for the API's tag=
  words: string[]; // matched here against id, service, resource
}

export function splitText(text: string): TextTerms {
  const tags: string[] = [];
  const words: string[] = [];
  for (const t of text.split(/\s+/).filter(Boolean)) {
    const i = t.indexOf(':');
    if (i > 0 && i < t.length - 1) tags.push(t);
    else words.push(t.toLowerCase());
  }
  return { tags, words };
}

// The API parameters; invalid durations are reported in `errors` and left out.
export function toApiParams(f: TraceFilters, limit = 200): { params: Params; errors: string[] } {
  const errors: string[] = [];
  const params: Params = { limit };
  if (f.service) params.service = f.service;
  if (f.resource) params.resource = f.resource;
  if (f.status === 'error') params.status = 'error,critical';
  else if (f.status === 'ok') params.status = 'ok';
  for (const [k, api] of [['min', 'min_duration_us'], ['max', 'max_duration_us']] as const) {
    if (!f[k]) continue;
    const us = parseDurationUs(f[k]);
    if (us === undefined) errors.push(`${k === 'min' ? 'Min' : 'Max'} duration "${f[k]}": use 100ms, 1.5s or 250us`);
    else params[api] = us;
  }
  const { tags } = splitText(f.text);
  if (tags.length) params.tag = tags;
  return { params, errors };
}

export function matchesWords(t: TraceSummary, words: string[]): boolean {
  if (!words.length) return true;
  const hay = `${t.trace_id} ${t.service} ${t.resource}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

// A trace id typed into the text box (hex, 16 or 32 digits): open it directly.
export function looksLikeTraceId(text: string): boolean {
  return /^[0-9a-f]{16}$|^[0-9a-f]{32}$/i.test(text.trim());
}
