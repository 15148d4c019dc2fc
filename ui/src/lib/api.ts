// The one way the UI talks to the server: JSON over fetch with the current workspace's token.
// Errors come back as ApiError carrying the server's {"error_code","message"} envelope.
import { currentToken } from './session';
import type { TimeRange } from './time';
import { resolveRange } from './time';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | undefined | null | string[]>;

export function buildUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(method: string, path: string, params: Params, body?: unknown,
                          token = currentToken(), signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const resp = await fetch(buildUrl(path, params), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await resp.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!resp.ok) {
    throw new ApiError(resp.status, json?.error_code ?? `http.${resp.status}`,
                       json?.message ?? json?.error ?? (text || resp.statusText));
  }
  return json as T;
}

export function get<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  return request<T>('GET', path, params, undefined, undefined, signal);
}
export function post<T>(path: string, body: unknown, params: Params = {}): Promise<T> {
  return request<T>('POST', path, params, body);
}
export function put<T>(path: string, body: unknown, params: Params = {}): Promise<T> {
  return request<T>('PUT', path, params, body);
}
export function del<T>(path: string, params: Params = {}): Promise<T> {
  return request<T>('DELETE', path, params);
}

// GET /v1/workspace with a given token (sign-in checks the token before keeping it).
export async function workspaceInfo(token: string): Promise<{ name: string; id: string }> {
  const r = await request<any>('GET', '/v1/workspace', {}, undefined, token);
  const t = r?.content?.[0]?.token ?? {};
  return { name: t.ws_name ?? 'workspace', id: t.ws_uuid ?? '' };
}

// One series of a /v1/query/raw answer.
export interface Series {
  name: string;
  tags: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
export interface QueryResult {
  series: Series[];
  total_hits?: number;
  cost?: string;
}

export interface QueryOptions {
  limit?: number;
  slimit?: number;
  interval?: number; // PromQL step, seconds
  variables?: Record<string, string | string[]>;
}

// POST /v1/query/raw with one query. `lang` picks DQL or PromQL (a PromQL query is a range query
// over `range` with step `interval`).
export async function query(lang: 'dql' | 'promql', q: string, range: TimeRange,
                            opts: QueryOptions = {}): Promise<QueryResult> {
  const [from, to] = resolveRange(range);
  const entry: any = { q, time_range: [from, to] };
  if (opts.limit !== undefined) entry.limit = opts.limit;
  if (opts.slimit !== undefined) entry.slimit = opts.slimit;
  if (opts.interval !== undefined) entry.interval = opts.interval;
  if (opts.variables) entry.variables = opts.variables;
  const r = await post<{ content: QueryResult[] }>('/v1/query/raw', {
    queries: [{ qtype: lang, query: entry }],
  });
  return r.content?.[0] ?? { series: [] };
}
