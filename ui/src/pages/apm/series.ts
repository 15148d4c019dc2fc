// DQL over the derived `apm_service` metric (docs/apm.md): per-service RED time series for the
// sparklines and the service page charts. Points are per minute and may be several per minute,
// so counts are summed per bucket; empty buckets are zero requests.
import type { Series } from '../../lib/api';

// A bucket size (seconds) of at least a minute giving about `points` buckets over the range.
export function bucketSeconds(fromMs: number, toMs: number, points: number): number {
  const raw = (toMs - fromMs) / 1000 / points;
  const steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return steps.find((s) => s >= raw) ?? 86400;
}

export function dqlString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

// Sums per bucket, by `by` (a tag, or none), optionally for one service.
export function redQuery(intervalS: number, opts: { service?: string; by?: string } = {}): string {
  const filter = opts.service !== undefined ? ` {service = ${dqlString(opts.service)}}` : '';
  const by = opts.by ? ` BY ${opts.by}` : '';
  return `M::apm_service:(sum(requests), sum(errors), sum(duration_sum), max(p99))${filter} [::${intervalS}s]${by}`;
}

export interface RedSeries {
  key: string; // the BY tag's value ('' without BY)
  times: number[]; // bucket starts, ms
  requests: number[];
  errors: number[];
  avg_us: (number | null)[];
  p99_us: (number | null)[]; // the largest per-minute p99 of the bucket (an upper bound)
}

// Bucket starts aligned like the server's (multiples of the interval since the epoch).
export function bucketTimes(fromMs: number, toMs: number, intervalS: number): number[] {
  const step = intervalS * 1000;
  const out: number[] = [];
  for (let t = Math.floor(fromMs / step) * step; t <= toMs; t += step) out.push(t);
  return out;
}

// Query series -> one RedSeries per group, on the full bucket grid (zeros where no point).
export function toRedSeries(series: Series[], fromMs: number, toMs: number, intervalS: number, by?: string): RedSeries[] {
  const times = bucketTimes(fromMs, toMs, intervalS);
  const step = intervalS * 1000;
  const first = times[0] ?? 0;
  const out: RedSeries[] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    const ti = col('time');
    const ri = col('sum(requests)');
    const ei = col('sum(errors)');
    const di = col('sum(duration_sum)');
    const pi = col('max(p99)');
    const r: RedSeries = {
      key: by ? s.tags?.[by] ?? '' : '',
      times,
      requests: times.map(() => 0),
      errors: times.map(() => 0),
      avg_us: times.map(() => null),
      p99_us: times.map(() => null),
    };
    const dsum = times.map(() => 0);
    for (const row of s.values) {
      const i = Math.floor((Number(row[ti]) - first) / step);
      if (i < 0 || i >= times.length) continue;
      const num = (k: number) => (k >= 0 && row[k] !== null && row[k] !== undefined ? Number(row[k]) : 0);
      r.requests[i] += num(ri);
      r.errors[i] += num(ei);
      dsum[i] += num(di);
      if (pi >= 0 && row[pi] !== null && row[pi] !== undefined) {
        r.p99_us[i] = Math.max(r.p99_us[i] ?? 0, Number(row[pi]));
      }
    }
    r.avg_us = r.requests.map((n, i) => (n > 0 ? dsum[i] / n : null));
    out.push(r);
  }
  out.sort((a, b) => a.key.localeCompare(b.key));
  return out;
}
