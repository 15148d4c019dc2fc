// A time series chart from query results (DQL or PromQL through /v1/query/raw): one line per
// series and value column, legend "name{tag=v} column". `kind` picks line, area or bar.
import { useMemo } from 'preact/hooks';
import type { Series } from '../lib/api';
import { formatNumber } from '../lib/format';
import { Chart } from './Chart';

export type SeriesKind = 'line' | 'area' | 'bar';

export interface NamedPoints {
  name: string;
  points: [number, number | null][];
}

// Splits query series into one [time, value] list per value column.
export function toTimeSeries(series: Series[]): NamedPoints[] {
  const out: NamedPoints[] = [];
  for (const s of series) {
    const ti = s.columns.indexOf('time');
    const tags = Object.entries(s.tags ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    s.columns.forEach((col, ci) => {
      if (ci === ti) return;
      const label = [s.name, tags ? `{${tags}}` : '', s.columns.length > 2 ? ` ${col}` : '']
        .join('');
      out.push({
        name: label || col,
        points: s.values.map((row) => [Number(row[ti]), row[ci] === null ? null : Number(row[ci])]),
      });
    });
  }
  for (const s of out) s.points.sort((a, b) => a[0] - b[0]);
  return out;
}

export function TimeSeriesChart({ series, kind = 'line', height = 240, unit = '', testId }: {
  series: Series[];
  kind?: SeriesKind;
  height?: number;
  unit?: string;
  testId?: string;
}) {
  const option = useMemo(() => {
    const ts = toTimeSeries(series);
    return {
      animation: false,
      grid: { left: 56, right: 16, top: 24, bottom: ts.length > 1 ? 56 : 28 },
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => `${formatNumber(v)}${unit}` },
      legend: ts.length > 1 ? { type: 'scroll', bottom: 0 } : undefined,
      xAxis: { type: 'time', axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', axisLabel: { formatter: (v: number) => `${formatNumber(v)}${unit}` } },
      series: ts.map((s) => ({
        name: s.name,
        type: kind === 'bar' ? 'bar' : 'line',
        stack: kind === 'line' ? undefined : 'all',
        areaStyle: kind === 'area' ? {} : undefined,
        showSymbol: s.points.length < 3,
        data: s.points,
      })),
    };
  }, [series, kind, unit]);
  return <Chart option={option} height={height} testId={testId} />;
}
