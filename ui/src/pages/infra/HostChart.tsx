// One metric chart of the Infrastructure pages: a query answer drawn with the unit's formatter,
// with data-series / data-points on the panel so tests (and people) can tell it has data.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { toTimeSeries } from '../../components/TimeSeriesChart';
import { ErrorBox, Loading } from '../../components/States';
import type { Series } from '../../lib/api';
import { formatBytes, formatNumber } from '../../lib/format';
import type { HostChart as ChartDef } from './hosts';

export function formatUnit(v: number | null | undefined, unit: ChartDef['unit']): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'percent': return `${formatNumber(v, 1)}%`;
    case 'bytes': return formatBytes(v);
    case 'bytesPerSec': return `${formatBytes(v)}/s`;
    default: return formatNumber(v);
  }
}

export interface HostChartProps {
  def: ChartDef;
  span?: [number, number]; // the picked range (ms): the x axis covers all of it
  series?: Series[];
  error?: Error;
  loading: boolean;
}

export function HostChart({ def, series, error, loading, span }: HostChartProps) {
  const ts = useMemo(() => toTimeSeries(series ?? []), [series]);
  const points = ts.reduce((n, s) => n + s.points.length, 0);
  const option = useMemo(() => ({
    animation: false,
    color: ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#db2777'],
    grid: { left: 64, right: 16, top: 16, bottom: ts.length > 1 ? 48 : 24 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatUnit(v, def.unit) },
    legend: ts.length > 1 ? { type: 'scroll', bottom: 0, icon: 'roundRect', itemHeight: 8 } : undefined,
    xAxis: { type: 'time', min: span?.[0], max: span?.[1], axisLabel: { hideOverlap: true } },
    yAxis: {
      type: 'value',
      max: def.unit === 'percent' ? (v: { max: number }) => (v.max > 90 ? 100 : undefined) : undefined,
      axisLabel: { formatter: (v: number) => formatUnit(v, def.unit) },
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    series: ts.map((s) => ({
      name: s.name.replace(/^[^{ ]+\s?/, '').replace(/^\{(.*)\}$/, '$1') || s.name,
      type: 'line',
      showSymbol: s.points.length < 3,
      symbolSize: 4,
      lineStyle: { width: 1.5 },
      areaStyle: def.kind === 'area' ? { opacity: 0.15 } : undefined,
      data: s.points,
    })),
  }), [ts, def.unit, def.kind, span?.[0], span?.[1]]);
  return (
    <section class="panel infra-chart" data-testid={`infra-chart-${def.id}`}
             data-series={ts.length} data-points={points}>
      <div class="panel-head">
        <h2>{def.title}</h2>
        <a class="hint" href={`#/metrics?q=${encodeURIComponent(def.q)}`} title="Open in the metrics explorer">
          explore ↗
        </a>
      </div>
      {error ? <ErrorBox error={error} />
        : !series && loading ? <Loading />
        : points === 0 ? <div class="infra-nodata">No {def.id} data for this host in the range</div>
        : <Chart option={option} height={200} />}
    </section>
  );
}
