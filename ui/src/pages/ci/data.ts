// The CI area's server calls (docs/api/ci.md) and the CI time range.
import { useEffect } from 'preact/hooks';
import { get, query } from '../../lib/api';
import { useTimeRange } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import type { TimeRange } from '../../lib/time';
import { CLIENT_LIMIT, type Job, type Overview, type Page, type Pipeline, type PipelineDetail } from './model';

// CI runs are sparse: without a range in the URL the CI pages show the last 7 days (and put it
// in the URL, so the picker shows it).
export const CI_DEFAULT_RANGE: TimeRange = { from: 'now-7d', to: 'now' };

export function useCiRange(): TimeRange {
  const loc = useLocation();
  const [range] = useTimeRange();
  const missing = !loc.query.get('from');
  useEffect(() => {
    if (missing) setQuery({ from: CI_DEFAULT_RANGE.from, to: CI_DEFAULT_RANGE.to }, true);
  }, [missing]);
  return missing ? CI_DEFAULT_RANGE : range;
}

interface RawPage {
  total: number;
  offset: number;
  limit: number;
  pipelines?: Pipeline[];
  jobs?: Job[];
}

export async function fetchPipelines(params: Record<string, string>, signal?: AbortSignal): Promise<Page<Pipeline>> {
  const r = await get<RawPage>('/v1/ci/pipelines', params, signal);
  return { total: r.total, offset: r.offset, limit: r.limit, items: r.pipelines ?? [] };
}

export async function fetchJobs(params: Record<string, string>, signal?: AbortSignal): Promise<Page<Job>> {
  const r = await get<RawPage>('/v1/ci/jobs', params, signal);
  return { total: r.total, offset: r.offset, limit: r.limit, items: r.jobs ?? [] };
}

// Up to `pages` × 1000 rows of a list (the first page, then the rest in parallel).
export async function fetchAll<T>(fetchPage: (p: Record<string, string>) => Promise<Page<T>>,
                                  params: Record<string, string>, pages = 5): Promise<{ rows: T[]; total: number }> {
  const first = await fetchPage({ ...params, limit: String(CLIENT_LIMIT), offset: '0' });
  const more = Math.min(pages, Math.ceil(first.total / CLIENT_LIMIT)) - 1;
  const rest = await Promise.all(Array.from({ length: Math.max(0, more) }, (_, i) =>
    fetchPage({ ...params, limit: String(CLIENT_LIMIT), offset: String((i + 1) * CLIENT_LIMIT) })));
  return { rows: [first, ...rest].flatMap((p) => p.items), total: first.total };
}

export function fetchOverview(params: Record<string, string>, signal?: AbortSignal): Promise<Overview> {
  return get<Overview>('/v1/ci/overview', params, signal);
}

export function fetchPipeline(id: string, params: Record<string, string>, signal?: AbortSignal): Promise<PipelineDetail> {
  return get<PipelineDetail>(`/v1/ci/pipelines/${encodeURIComponent(id)}`, params, signal);
}

// The stored Pipeline Hook body of a pipeline's latest event (the API leaves event_raw out).
export async function fetchEventRaw(id: string, range: TimeRange): Promise<string | undefined> {
  const safe = id.replace(/[^0-9A-Za-z_-]/g, '');
  const r = await query('dql', `L::gitlab_pipeline:(event_raw) {pipeline_id = '${safe}'}`, range, { limit: 1 });
  const s = r.series?.[0];
  if (!s) return undefined;
  const i = s.columns.indexOf('event_raw');
  const v = s.values?.[0]?.[i];
  return typeof v === 'string' ? v : undefined;
}
