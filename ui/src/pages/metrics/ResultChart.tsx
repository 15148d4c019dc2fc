// The explorer's chart: every series of every query over the picked range (the x axis spans the
// whole range), as lines, stacked areas or bars. Long series are downsampled for drawing (LTTB).
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { toTimeSeries } from '../../components/TimeSeriesChart';
import type { Series } from '../../lib/api';
import { formatNumber } from '../../lib/format';

export type ChartKind = 'line' | 'area' | 'bar';

export function ResultChart({ series, kind, span, height = 360 }: {
  series: Series[];
  kind: ChartKind;
  span?: [number, number];
  height?: number;
}) {
  const option = useMemo(() => {
    const ts = toTimeSeries(series);
    const legendRows = ts.length > 0;
    return {
      animation: false,
      grid: { left: 56, right: 20, top: 16, bottom: legendRows ? 56 : 28 },
      tooltip: {
        trigger: 'axis', confine: true, order: 'valueDesc',
        valueFormatter: (v: number) => formatNumber(v, 3),
      },
      legend: legendRows ? { type: 'scroll', bottom: 0, icon: 'roundRect', itemHeight: 8 } : undefined,
      xAxis: { type: 'time', min: span?.[0], max: span?.[1], axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatNumber(v) },
               splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: ts.map((s) => ({
        name: s.name,
        type: kind === 'bar' ? 'bar' : 'line',
        stack: kind === 'area' ? 'all' : undefined,
        areaStyle: kind === 'area' ? { opacity: 0.25 } : undefined,
        showSymbol: s.points.length < 3,
        symbolSize: 4,
        lineStyle: { width: 1.5 },
        sampling: 'lttb',
        data: s.points,
      })),
    };
  }, [series, kind, span?.[0], span?.[1]]);
  return <Chart option={option} height={height} />;
}
