// The APM area's calls to the server: /v1/apm/* with the page's time range as start/end (ms).
import { get, type Params } from '../../lib/api';
import { resolveRange, type TimeRange } from '../../lib/time';
import type { ServiceMapResponse, ServiceStats, TraceDoc, TraceSummary } from './types';

export function rangeParams(range: TimeRange): { start: number; end: number } {
  const [start, end] = resolveRange(range);
  return { start, end };
}

export async function fetchServices(range: TimeRange, extra: Params, signal?: AbortSignal): Promise<ServiceStats[]> {
  const r = await get<{ services: ServiceStats[] }>('/v1/apm/services', { ...rangeParams(range), ...extra }, signal);
  return r.services ?? [];
}

export async function fetchResources(range: TimeRange, extra: Params, signal?: AbortSignal): Promise<ServiceStats[]> {
  const r = await get<{ resources: ServiceStats[] }>('/v1/apm/resources', { ...rangeParams(range), ...extra }, signal);
  return r.resources ?? [];
}

export async function fetchServiceMap(range: TimeRange, split: string, signal?: AbortSignal): Promise<ServiceMapResponse> {
  const r = await get<ServiceMapResponse>('/v1/apm/service_map', { ...rangeParams(range), split }, signal);
  return { nodes: r.nodes ?? [], edges: r.edges ?? [] };
}

export async function fetchTraces(range: TimeRange, filters: Params, signal?: AbortSignal): Promise<{ traces: TraceSummary[]; truncated?: boolean }> {
  const r = await get<{ traces: TraceSummary[]; truncated?: boolean }>('/v1/apm/traces', { ...rangeParams(range), ...filters }, signal);
  return { traces: r.traces ?? [], truncated: r.truncated };
}

// A trace is looked up over the last 7 days by default (a link from another page may be older
// than the picked range).
export function fetchTrace(id: string, signal?: AbortSignal): Promise<TraceDoc> {
  return get<TraceDoc>(`/v1/apm/trace/${encodeURIComponent(id)}`, {}, signal);
}
