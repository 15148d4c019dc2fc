// Data shaping for the RUM pages: picker values from DQL series, breakdowns, chart options.
import type { Series } from '../../lib/api';
import { formatNumber } from '../../lib/format';
import type { ErrorGroup, OverviewPoint, ResourceGroup } from './api';

export interface AppChoices {
  apps: string[];
  envs: string[];
  versions: string[];
}

// `R::view:(count(*)) by app_id, env, version` → the distinct values of each tag, sorted.
export function appChoices(series: Series[]): AppChoices {
  const apps = new Set<string>();
  const envs = new Set<string>();
  const versions = new Set<string>();
  for (const s of series) {
    if (s.tags?.app_id) apps.add(s.tags.app_id);
    if (s.tags?.env) envs.add(s.tags.env);
    if (s.tags?.version) versions.add(s.tags.version);
  }
  const sort = (x: Set<string>) => [...x].sort();
  return { apps: sort(apps), envs: sort(envs), versions: sort(versions) };
}

export interface Share {
  name: string;
  value: number;
  ratio: number;
}

// `R::view:(count_distinct(view_id)) by <tag>` → values per tag value, largest first, with
// their share of the total; beyond `top` entries the rest folds into "Other".
export function breakdown(series: Series[], tag: string, top = 8): Share[] {
  const m = new Map<string, number>();
  for (const s of series) {
    const name = s.tags?.[tag] || '(none)';
    const vi = s.columns.findIndex((c) => c !== 'time');
    let v = 0;
    for (const row of s.values) v += Number(row[vi]) || 0;
    m.set(name, (m.get(name) ?? 0) + v);
  }
  let rows = [...m.entries()].map(([name, value]) => ({ name, value }))
    .sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));
  if (rows.length > top) {
    const rest = rows.slice(top - 1).reduce((a, r) => a + r.value, 0);
    rows = [...rows.slice(0, top - 1), { name: 'Other', value: rest }];
  }
  const total = rows.reduce((a, r) => a + r.value, 0);
  return rows.map((r) => ({ ...r, ratio: total ? r.value / total : 0 }));
}

const COLORS = { pv: '#2563eb', uv: '#16a34a', sessions: '#9333ea', errors: '#dc2626' };

// PV / UV / sessions lines and error bars over the overview's buckets.
export function trafficOption(series: OverviewPoint[], interval: number) {
  const bar = (key: 'pv' | 'uv' | 'sessions', name: string) => ({
    name,
    type: 'bar',
    barMaxWidth: 10,
    color: COLORS[key],
    data: series.map((p) => [p.time + interval / 2, p[key]]),
  });
  return {
    animation: false,
    grid: { left: 48, right: 48, top: 28, bottom: 28 },
    legend: { top: 0, right: 0, itemWidth: 14 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatNumber(v) },
    xAxis: { type: 'time', min: series[0]?.time, max: series.length ? series[series.length - 1].time + interval : undefined },
    yAxis: [
      { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } } },
      { type: 'value', minInterval: 1, splitLine: { show: false },
        axisLabel: { color: COLORS.errors } },
    ],
    series: [
      bar('pv', 'PV'),
      bar('uv', 'UV'),
      bar('sessions', 'Sessions'),
      { name: 'Errors', type: 'bar', yAxisIndex: 1, color: COLORS.errors, barMaxWidth: 10,
        data: series.map((p) => [p.time + interval / 2, p.errors]) },
    ],
  };
}

export type ResourceSort = 'count' | 'slowest' | 'errors';

export function sortResources(rows: ResourceGroup[], by: ResourceSort): ResourceGroup[] {
  const key = (r: ResourceGroup) =>
    by === 'slowest' ? r.duration_ms?.p75 ?? -1 : by === 'errors' ? r.errors : r.count;
  return [...rows].sort((a, b) => key(b) - key(a) || b.count - a.count ||
                                  a.resource.localeCompare(b.resource));
}

// A stable key for an error group (the table rows and the expanded one in the URL).
export function errorKey(g: ErrorGroup): string {
  return `${g.error_type}|${g.message}|${g.first_frame}`;
}

// First line of the group's message, the type or source in front.
export function errorTitle(g: ErrorGroup): string {
  const kind = g.error_type || g.sample?.error_source || 'Error';
  return `${kind}: ${g.message || '(no message)'}`;
}
