// The RUM analytics API (docs/api/rum.md): response types and the calls the pages make. Every
// analytics route takes the time range (start/end in ms) and the filters the URL holds.
import { get, type Params } from '../../lib/api';
import { resolveRange, type TimeRange } from '../../lib/time';

export interface Pct {
  count: number;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p99: number | null;
}

export interface OverviewPoint {
  time: number;
  pv: number;
  uv: number;
  sessions: number;
  errors: number;
}
export interface Overview {
  start: number;
  end: number;
  interval: number;
  pv: number;
  uv: number;
  sessions: number;
  error_sessions: number;
  session_error_rate: number | null;
  errors: number;
  errors_per_view: number | null;
  truncated: boolean;
  series: OverviewPoint[];
}

export const VITAL_KEYS = [
  'loading_time_ms',
  'first_contentful_paint_ms',
  'largest_contentful_paint_ms',
  'first_input_delay_ms',
  'interaction_to_next_paint_ms',
  'cumulative_layout_shift',
] as const;
export type VitalKey = (typeof VITAL_KEYS)[number];

export type PageVitals = { views: number } & { [K in VitalKey]?: Pct };
export interface PerformancePage extends PageVitals {
  page: string;
}
export interface Performance {
  truncated: boolean;
  overall: PageVitals;
  pages: PerformancePage[];
}

export interface ResourceGroup {
  resource: string;
  resource_type: string;
  provider_type: string;
  provider_name: string;
  count: number;
  errors: number;
  error_rate: number;
  avg_size: number | null;
  total_size: number;
  duration_ms: Pct;
}

export interface ErrorGroup {
  error_type: string;
  message: string;
  first_frame: string;
  count: number;
  sessions: number;
  first_seen: number;
  last_seen: number;
  sample: { error_source?: string; error_message?: string; error_stack?: string };
}

export interface SessionSummary {
  id: string;
  session_id: string;
  start: number;
  end: number;
  duration_ms: number;
  first_view?: string;
  last_view?: string;
  userid?: string;
  browser?: string;
  os?: string;
  country?: string;
  app_id?: string;
  view_count: number;
  error_count: number;
  action_count: number;
  resource_count: number;
  long_task_count: number;
  has_error: boolean;
}

export interface SessionEvent {
  time: number;
  type: 'view' | 'action' | 'resource' | 'error' | 'long_task' | string;
  view_id?: string;
  view_path?: string;
  view_url?: string;
  loading_time_ms?: number;
  first_contentful_paint_ms?: number;
  largest_contentful_paint_ms?: number;
  first_input_delay_ms?: number;
  interaction_to_next_paint_ms?: number;
  cumulative_layout_shift?: number;
  time_spent_ms?: number;
  action_type?: string;
  action_name?: string;
  duration_ms?: number;
  resource_type?: string;
  resource_method?: string;
  resource_url?: string;
  resource_status?: number | string;
  resource_size?: number;
  error_source?: string;
  error_type?: string;
  error_message?: string;
  error_stack?: string;
}

export interface SessionDetail {
  session: SessionSummary;
  events: SessionEvent[];
}

export interface ReplaySegment {
  segment: number;
  view_id: string;
  start: number;
  end: number;
  records_count?: number;
  size: number;
  content_type?: string;
  creation_reason?: string;
  has_full_snapshot?: boolean;
}
export interface Replay {
  session_id: string;
  app_id: string;
  segments: ReplaySegment[];
}

// The URL query keys the RUM pages share (app picker and filters).
export const FILTER_KEYS = ['app_id', 'env', 'version', 'browser', 'os', 'country'] as const;

export function filtersOf(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = query.get(k);
    if (v) out[k] = v;
  }
  return out;
}

// start/end (ms) of the range plus the filters, for an analytics route.
export function rumParams(range: TimeRange, filters: Record<string, string>, extra: Params = {}): Params {
  const [start, end] = resolveRange(range);
  return { start, end, ...filters, ...extra };
}

export const rumApi = {
  overview: (p: Params, s?: AbortSignal) => get<Overview>('/v1/rum/overview', p, s),
  performance: (p: Params, s?: AbortSignal) => get<Performance>('/v1/rum/performance', p, s),
  resources: (p: Params, s?: AbortSignal) =>
    get<{ truncated: boolean; resources: ResourceGroup[] }>('/v1/rum/resources', p, s),
  errors: (p: Params, s?: AbortSignal) =>
    get<{ truncated: boolean; errors: ErrorGroup[] }>('/v1/rum/errors', p, s),
  sessions: (p: Params, s?: AbortSignal) =>
    get<{ total: number; truncated: boolean; sessions: SessionSummary[] }>('/v1/rum/sessions', p, s),
  session: (id: string, p: Params, s?: AbortSignal) =>
    get<SessionDetail>(`/v1/rum/sessions/${encodeURIComponent(id)}`, p, s),
  replay: (sessionId: string, p: Params, s?: AbortSignal) =>
    get<Replay>(`/v1/rum/replay/${encodeURIComponent(sessionId)}`, p, s),
};

// The route of a session's page ("abc#2" → "/rum/sessions/abc%232").
export function sessionPath(id: string): string {
  return `/rum/sessions/${encodeURIComponent(id)}`;
}
