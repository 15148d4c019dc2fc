import { describe, expect, it } from 'vitest';
import type { ResourceGroup } from './api';
import { appChoices, breakdown, errorTitle, sortResources, trafficOption } from './shape';

describe('appChoices', () => {
  it('collects distinct app ids, envs and versions', () => {
    const s = (app_id: string, env: string, version: string) =>
      ({ name: 'view', tags: { app_id, env, version }, columns: ['time', 'count(*)'], values: [[0, 1]] });
    expect(appChoices([s('shop', 'prod', '2'), s('admin', 'prod', '1'), s('shop', 'test', '1')])).toEqual({
      apps: ['admin', 'shop'], envs: ['prod', 'test'], versions: ['1', '2'],
    });
  });
});

describe('breakdown', () => {
  const s = (browser: string, n: number) =>
    ({ name: 'view', tags: { browser }, columns: ['time', 'count_distinct(view_id)'], values: [[0, n]] });
  it('sorts by value with shares', () => {
    expect(breakdown([s('Firefox', 1), s('Chrome', 3)], 'browser')).toEqual([
      { name: 'Chrome', value: 3, ratio: 0.75 }, { name: 'Firefox', value: 1, ratio: 0.25 },
    ]);
  });
  it('folds the tail into Other', () => {
    const b = breakdown([s('a', 5), s('b', 4), s('c', 1), s('d', 1)], 'browser', 3);
    expect(b.map((x) => [x.name, x.value])).toEqual([['a', 5], ['b', 4], ['Other', 2]]);
  });
});

describe('resources and errors', () => {
  const r = (resource: string, count: number, errors: number, p75: number | null): ResourceGroup => ({
    resource, resource_type: 'js', provider_type: '', provider_name: '', count, errors,
    error_rate: errors / count, avg_size: null, total_size: 0,
    duration_ms: { count, p50: p75, p75, p90: p75, p99: p75 },
  });
  const rows = [r('/a', 5, 0, 10), r('/b', 2, 2, 300), r('/c', 9, 1, null)];
  it('sorts by count, slowest p75 or errors', () => {
    expect(sortResources(rows, 'count').map((x) => x.resource)).toEqual(['/c', '/a', '/b']);
    expect(sortResources(rows, 'slowest').map((x) => x.resource)).toEqual(['/b', '/a', '/c']);
    expect(sortResources(rows, 'errors').map((x) => x.resource)).toEqual(['/b', '/c', '/a']);
  });
  it('titles error groups by type, else source', () => {
    const g = { error_type: '', message: 'm', first_frame: '', count: 1, sessions: 1, first_seen: 0,
                last_seen: 0, sample: { error_source: 'console' } };
    expect(errorTitle(g)).toBe('console: m');
    expect(errorTitle({ ...g, error_type: 'TypeError' })).toBe('TypeError: m');
  });
  it('charts the overview buckets', () => {
    const o = trafficOption([{ time: 0, pv: 1, uv: 1, sessions: 1, errors: 2 }], 60_000) as any;
    expect(o.series.map((s: any) => s.name)).toEqual(['PV', 'UV', 'Sessions', 'Errors']);
    expect(o.series[3].data).toEqual([[30_000, 2]]);
  });
});
