// One chart of a dashboard: runs its queries (in parallel, variables applied, DQL bucketed for
// time series) over the page's range and draws them by type with ECharts (or HTML for single
// stat and table).
import { useEffect, useMemo } from 'preact/hooks';
import { query, type Series } from '../../lib/api';
import { useAsync } from '../../lib/hooks';
import { autoInterval, formatLocal, type TimeRange } from '../../lib/time';
import { Chart as EChart } from '../../components/Chart';
import { ErrorBox } from '../../components/States';
import type { Chart, VarValues } from './model';
import { queryVariables, substitutePromql, withInterval } from './model';
import { formatValue, toLines, toTable, toValues, topList, type NamedValue } from './data';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777',
                 '#65a30d', '#ea580c', '#4f46e5'];

export interface ChartResult {
  perQuery: { series: Series[]; alias?: string }[];
}

// Time-bucketed charts: the queries get an interval; the others ask for one value per series.
function isTimeChart(c: Chart): boolean {
  return c.type === 'timeseries' || c.type === 'bar';
}

export async function runChart(c: Chart, range: TimeRange, values: VarValues): Promise<ChartResult> {
  const stepS = autoInterval(range, 120);
  const vars = queryVariables(values);
  const perQuery = await Promise.all(c.queries.filter((q) => q.q.trim()).map(async (q) => {
    if (q.lang === 'promql') {
      const r = await query('promql', substitutePromql(q.q, values), range, { interval: stepS });
      return { series: r.series, alias: q.alias };
    }
    const text = isTimeChart(c) ? withInterval(q.q, stepS) : q.q;
    const r = await query('dql', text, range, { variables: vars });
    return { series: r.series, alias: q.alias };
  }));
  return { perQuery };
}

function axisFormatter(unit: string) {
  return (v: number) => formatValue(v, unit);
}

function timeOption(c: Chart, r: ChartResult): any {
  const lines = r.perQuery.flatMap((p) => toLines(p.series, p.alias));
  const bar = c.type === 'bar';
  return {
    animation: false,
    color: PALETTE,
    grid: { left: 64, right: 16, top: 16, bottom: lines.length > 1 ? 52 : 24 },
    tooltip: { trigger: 'axis', valueFormatter: axisFormatter(c.unit), confine: true },
    legend: lines.length > 1 ? { type: 'scroll', bottom: 0, itemHeight: 8, textStyle: { fontSize: 11 } } : undefined,
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: axisFormatter(c.unit), fontSize: 11 },
             minInterval: ['bytes', 'bytes/s', 'count'].includes(c.unit) ? 1 : undefined,
             max: c.unit === 'percent' && !c.options.stack ? (v: any) => (v.max > 100 ? v.max : 100) : undefined },
    series: lines.map((l) => ({
      name: l.name,
      type: bar ? 'bar' : 'line',
      stack: c.options.stack ? 'all' : undefined,
      areaStyle: c.options.area ? { opacity: 0.25 } : undefined,
      showSymbol: l.points.length < 3,
      symbolSize: 4,
      connectNulls: false,
      data: l.points,
    })),
  };
}

function allValues(c: Chart, r: ChartResult): NamedValue[] {
  return r.perQuery.flatMap((p) => toValues(p.series, c.options.reduce ?? 'last', p.alias));
}

function pieOption(c: Chart, r: ChartResult): any {
  const vs = allValues(c, r).filter((v) => v.value !== null && (v.value as number) > 0);
  return {
    animation: false,
    color: PALETTE,
    tooltip: { trigger: 'item', valueFormatter: axisFormatter(c.unit) },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { fontSize: 11 } },
    series: [{ type: 'pie', radius: ['40%', '70%'], center: ['35%', '50%'], label: { show: false },
               data: vs.map((v) => ({ name: v.name, value: v.value })) }],
  };
}

function gaugeOption(c: Chart, r: ChartResult): any {
  const v = allValues(c, r)[0]?.value ?? null;
  const min = c.options.min ?? 0;
  const max = c.options.max ?? (c.unit === 'percent' ? 100 : Math.max(100, Math.ceil((v ?? 0) * 1.2)));
  const ratio = v === null ? 0 : (v - min) / (max - min || 1);
  const color = ratio >= 0.9 ? '#dc2626' : ratio >= 0.7 ? '#d97706' : '#16a34a';
  return {
    animation: false,
    series: [{
      type: 'gauge', min, max, startAngle: 210, endAngle: -30, radius: '100%', center: ['50%', '60%'],
      progress: { show: true, width: 14, roundCap: true, itemStyle: { color } },
      axisLine: { roundCap: true, lineStyle: { width: 14, color: [[1, '#eef0f3']] } },
      pointer: { show: false },
      anchor: { show: false },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { show: false },
      title: { show: false },
      detail: { valueAnimation: false, fontSize: 26, fontWeight: 600, color: '#1f2430', offsetCenter: [0, '0%'],
                formatter: () => formatValue(v, c.unit) },
      data: [{ value: v ?? min }],
    }],
  };
}

function barOrTopOption(c: Chart, values: NamedValue[], horizontal: boolean): any {
  const names = values.map((v) => v.name);
  const cat = { type: 'category', data: names, axisLabel: { fontSize: 11, width: 140, overflow: 'truncate' },
                inverse: horizontal };
  const val = { type: 'value', axisLabel: { formatter: axisFormatter(c.unit), fontSize: 11 } };
  return {
    animation: false,
    color: PALETTE,
    grid: { left: horizontal ? 150 : 56, right: horizontal ? 56 : 24, top: 12, bottom: 24 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: axisFormatter(c.unit) },
    xAxis: horizontal ? val : cat,
    yAxis: horizontal ? cat : val,
    series: [{ type: 'bar', data: values.map((v) => v.value), barMaxWidth: 28,
               label: horizontal ? { show: true, position: 'right', fontSize: 11,
                                     formatter: (p: any) => formatValue(p.value, c.unit) } : undefined }],
  };
}

function StatView({ c, r }: { c: Chart; r: ChartResult }) {
  const vs = allValues(c, r);
  const first = vs[0];
  const spark = useMemo(() => {
    const l = r.perQuery.flatMap((p) => toLines(p.series))[0];
    return l && l.points.length > 2 ? l : undefined;
  }, [r]);
  return (
    <div class="dashboards-stat" data-testid="chart-stat">
      <div class="dashboards-stat-value" data-testid="stat-value">{formatValue(first?.value, c.unit)}</div>
      {vs.length > 1 && <div class="hint">{first?.name} · {vs.length} series</div>}
      {spark && <div class="hint">{spark.points.length} points</div>}
    </div>
  );
}

function TableView({ c, r }: { c: Chart; r: ChartResult }) {
  const t = useMemo(() => toTable(r.perQuery.flatMap((p) => p.series), c.options.limit ?? 200), [r, c]);
  return (
    <div class="dashboards-table-wrap">
      <table class="table" data-testid="chart-table">
        <thead>
          <tr>{t.columns.map((col) => <th key={col}>{col}</th>)}</tr>
        </thead>
        <tbody>
          {t.rows.map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => {
                const col = t.columns[j];
                if (col === 'time') return <td key={j} class="mono">{formatLocal(Number(v))}</td>;
                if (typeof v === 'number') return <td key={j} class="num">{formatValue(v, c.unit)}</td>;
                return <td key={j}>{v ?? '–'}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function seriesCount(r: ChartResult): number {
  return r.perQuery.reduce((n, p) => n + p.series.length, 0);
}

export function ChartBody({ chart, result, height }: { chart: Chart; result: ChartResult; height: number }) {
  const option = useMemo(() => {
    switch (chart.type) {
      case 'timeseries':
        return timeOption(chart, result);
      case 'bar': {
        // Over time when the series have several points; else one bar per series.
        const lines = result.perQuery.flatMap((p) => toLines(p.series, p.alias));
        if (lines.some((l) => l.points.length > 1)) return timeOption(chart, result);
        return barOrTopOption(chart, allValues(chart, result), false);
      }
      case 'pie':
        return pieOption(chart, result);
      case 'gauge':
        return gaugeOption(chart, result);
      case 'toplist':
        return barOrTopOption(chart, topList(allValues(chart, result), chart.options.limit ?? 10), true);
      default:
        return undefined;
    }
  }, [chart, result]);
  if (seriesCount(result) === 0) {
    return <div class="dashboards-nodata" data-testid="chart-nodata" style={{ height }}>No data in this time range</div>;
  }
  if (chart.type === 'pie' && !allValues(chart, result).some((v) => (v.value ?? 0) > 0)) {
    return <div class="dashboards-nodata" data-testid="chart-nodata" style={{ height }}>Every value is 0</div>;
  }
  if (chart.type === 'stat') return <StatView c={chart} r={result} />;
  if (chart.type === 'table') return <TableView c={chart} r={result} />;
  return <EChart option={option!} height={height} testId="chart-canvas" />;
}

export function ChartView({ chart, range, values, tick, height = 220, onSeries }: {
  chart: Chart;
  range: TimeRange;
  values: VarValues;
  tick: number;
  height?: number;
  onSeries?: (id: string, count: number) => void; // the number of series of each answer
}) {
  const key = JSON.stringify([chart.queries, chart.type, values]);
  const state = useAsync(() => runChart(chart, range, values), [key, range.from, range.to, tick]);
  useEffect(() => {
    if (state.data) onSeries?.(chart.id, seriesCount(state.data));
  }, [state.data]);
  if (!chart.queries.some((q) => q.q.trim())) {
    return <div class="dashboards-nodata" style={{ height }}>No query yet: edit the chart to add one</div>;
  }
  if (state.error && !state.data) return <ErrorBox error={state.error} />;
  if (!state.data) return <div class="dashboards-nodata" style={{ height }}>Loading…</div>;
  return (
    <div data-testid="chart-body" data-series={seriesCount(state.data)}
         data-names={state.data.perQuery.flatMap((p) => toValues(p.series, 'last', p.alias).map((v) => v.name)).join('|')}>
      {state.error && <ErrorBox error={state.error} />}
      <ChartBody chart={chart} result={state.data} height={height} />
    </div>
  );
}
