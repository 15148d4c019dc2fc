// Names for the pickers and the completion, fetched once per time range and cached:
// measurements, fields, tag keys and values (DQL show_* statements), PromQL metric and label names
// (/api/v1/label/...). Every fetch is shared by whoever asks for the same thing.
import { get, query } from '../../lib/api';
import type { TimeRange } from '../../lib/time';
import { dqlString } from './query';

export interface FieldInfo {
  name: string;
  type: string;
}

function column(series: { columns: string[]; values: unknown[][] }[], col: string): string[] {
  const out: string[] = [];
  for (const s of series) {
    const i = s.columns.indexOf(col);
    if (i < 0) continue;
    for (const v of s.values) if (v[i] !== null && v[i] !== undefined) out.push(String(v[i]));
  }
  return [...new Set(out)];
}

export class Catalog {
  private cache = new Map<string, Promise<any>>();
  constructor(private range: TimeRange) {}

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.cache.get(key);
    if (!p) {
      p = fn();
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  measurements(): Promise<string[]> {
    return this.once('m', async () =>
      column((await query('dql', 'show_measurement()', this.range)).series, 'name').sort());
  }

  fields(m: string): Promise<FieldInfo[]> {
    if (!m) return Promise.resolve([]);
    return this.once(`f:${m}`, async () => {
      const r = await query('dql', `show_field_key(from=[${dqlString(m)}])`, this.range);
      const out: FieldInfo[] = [];
      for (const s of r.series) {
        const ki = s.columns.indexOf('fieldKey');
        const ti = s.columns.indexOf('fieldType');
        for (const v of s.values) out.push({ name: String(v[ki]), type: ti >= 0 ? String(v[ti]) : '' });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
  }

  tagKeys(m: string | undefined): Promise<string[]> {
    if (!m) return this.labels();
    return this.once(`k:${m}`, async () =>
      column((await query('dql', `show_tag_key(from=[${dqlString(m)}])`, this.range)).series, 'tagKey').sort());
  }

  tagValues(m: string | undefined, key: string): Promise<string[]> {
    if (!key) return Promise.resolve([]);
    if (!m) return this.labelValues(key);
    return this.once(`v:${m}:${key}`, async () => {
      const r = await query('dql', `show_tag_value(from=[${dqlString(m)}], keyin=[${dqlString(key)}])`, this.range);
      return column(r.series, 'value').sort();
    });
  }

  metricNames(): Promise<string[]> {
    return this.once('pm', async () =>
      (await get<{ data: string[] }>('/api/v1/label/__name__/values')).data ?? []);
  }

  labels(metric?: string): Promise<string[]> {
    return this.once(`pl:${metric ?? ''}`, async () =>
      ((await get<{ data: string[] }>('/api/v1/labels', metric ? { 'match[]': metric } : {})).data ?? [])
        .filter((l) => l !== '__name__'));
  }

  labelValues(label: string, metric?: string): Promise<string[]> {
    return this.once(`pv:${label}:${metric ?? ''}`, async () =>
      (await get<{ data: string[] }>(`/api/v1/label/${encodeURIComponent(label)}/values`,
                                     metric ? { 'match[]': metric } : {})).data ?? []);
  }
}
