// ECharts options of the service page's RED charts (one line per group: the versions of a service).
import { formatDurationUs, formatNumber, formatPercent } from '../../lib/format';
import type { RedSeries } from './series';

export type RedMetric = 'requests' | 'errors' | 'error_rate' | 'avg_us' | 'p99_us';

export function redOption(series: RedSeries[], metric: RedMetric): any {
  const fmt = metric === 'avg_us' || metric === 'p99_us' ? (v: number) => formatDurationUs(v)
    : metric === 'error_rate' ? (v: number) => formatPercent(v)
    : (v: number) => formatNumber(v);
  const multi = series.length > 1;
  return {
    animation: false,
    grid: { left: 64, right: 16, top: 16, bottom: multi ? 48 : 24 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '–' : fmt(v)) },
    legend: multi ? { bottom: 0, type: 'scroll' } : undefined,
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: fmt }, min: 0 },
    series: series.map((s) => ({
      name: s.key || 'all',
      type: metric === 'requests' || metric === 'errors' ? 'bar' : 'line',
      stack: metric === 'requests' || metric === 'errors' ? 'total' : undefined,
      barMaxWidth: 18,
      showSymbol: true,
      symbolSize: 4,
      connectNulls: false,
      itemStyle: metric === 'errors' && !multi ? { color: '#dc2626' } : undefined,
      data: s.times.map((t, i) => [t, valueAt(s, metric, i)]),
    })),
  };
}

function valueAt(s: RedSeries, m: RedMetric, i: number): number | null {
  if (m === 'error_rate') return s.requests[i] ? s.errors[i] / s.requests[i] : null;
  return s[m][i];
}
