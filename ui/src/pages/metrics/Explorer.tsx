// /metrics: the metrics explorer. Queries A, B, ... (DQL or PromQL) live in the URL
// (?q=&lang=&qB=&langB=&view=), run in parallel over the picked range, and draw as one chart
// (line, area, bar) or a table.
import { useMemo } from 'preact/hooks';
import { Page, Panel } from '../../components/Page';
import { Empty, ErrorBox, Loading, agentHint } from '../../components/States';
import { query, type ApiError, type Series } from '../../lib/api';
import { formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import { autoInterval, formatLocal, resolveRange, type TimeRange } from '../../lib/time';
import { Catalog } from './catalog';
import { QueryRow } from './QueryRow';
import { lazyComponent } from '../../lib/lazy';
import type { ChartKind } from './ResultChart';

// The chart's module (with ECharts) loads while the queries run.
const ResultChart = lazyComponent(() => import('./ResultChart').then((m) => m.ResultChart),
                                  () => <div class="metrics-chart-placeholder" />);
import { nextId, readQueries, tableRows, withInterval, writeQueries, type QuerySpec } from './query';

type View = ChartKind | 'table';
const VIEWS: { v: View; l: string }[] = [
  { v: 'line', l: 'Line' }, { v: 'area', l: 'Area' }, { v: 'bar', l: 'Bar' }, { v: 'table', l: 'Table' },
];

interface Result {
  id: string;
  series: Series[];
  error?: Error;
  cost?: string;
}

// One query over the range; errors are kept per query (the others still draw).
async function runQuery(s: QuerySpec, range: TimeRange, interval: number): Promise<Result> {
  const q = s.lang === 'dql' ? withInterval(s.q, interval) : s.q;
  try {
    const r = await query(s.lang, q, range, s.lang === 'promql' ? { interval } : {});
    return { id: s.id, series: r.series ?? [], cost: r.cost };
  } catch (error) {
    // A query we added a bucket to and that does not parse: the user's own text gives the
    // message with the right positions.
    if (q !== s.q && (error as ApiError).code === 'dql.ParseError') {
      try {
        await query(s.lang, s.q, range);
      } catch (original) {
        return { id: s.id, series: [], error: original as Error };
      }
    }
    return { id: s.id, series: [], error: error as Error };
  }
}

export function Explorer() {
  const loc = useLocation();
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const specs = useMemo(() => readQueries(loc.query), [loc.query.toString()]);
  const view = (loc.query.get('view') as View) || 'line';
  const catalog = useMemo(() => new Catalog(range), [range.from, range.to]);
  const key = JSON.stringify(specs);
  const interval = useMemo(() => { try { return autoInterval(range, 200); } catch { return 60; } },
                           [range.from, range.to]);
  const results = useAsync<{ list: Result[]; span: [number, number] }>(async () => {
    // One resolution of a relative range for every query (they line up) and the chart's x axis.
    const span = resolveRange(range);
    const abs = { from: String(span[0]), to: String(span[1]) };
    const list = await Promise.all(specs.filter((s) => s.q.trim()).map((s) => runQuery(s, abs, interval)));
    return { list, span };
  }, [key, range.from, range.to, tick, interval]);

  const commit = (list: QuerySpec[]) => setQuery(writeQueries(list));
  const update = (s: QuerySpec) => commit(specs.map((x) => (x.id === s.id ? s : x)));
  const add = () => {
    const id = nextId(specs);
    if (id) commit([...specs, { id, q: '', lang: specs[specs.length - 1]?.lang ?? 'dql' }]);
  };
  const remove = (id: string) => commit(specs.filter((s) => s.id !== id));

  const data = results.data?.list ?? [];
  const multi = data.filter((r) => r.series.length).length > 1;
  const allSeries = useMemo(() => data.flatMap((r) => r.series.map((s) =>
    (multi ? { ...s, name: `${r.id}: ${s.name}` } : s))), [results.data, multi]);
  const table = useMemo(() => (view === 'table' ? tableRows(data) : undefined), [results.data, view]);
  const anyQuery = specs.some((s) => s.q.trim());
  const errors = data.filter((r) => r.error);

  return (
    <Page title="Metrics explorer">
      <Panel testId="metrics-queries">
        <div class="metrics-queries">
          {specs.map((s) => (
            <QueryRow key={s.id} spec={s} catalog={catalog} removable={specs.length > 1}
                      onCommit={update} onRemove={() => remove(s.id)} />
          ))}
        </div>
        <div class="metrics-queries-foot">
          <button class="btn small" data-testid="metrics-add-query" onClick={add} disabled={!nextId(specs)}>+ Query</button>
          <span class="hint">Ctrl+Enter runs · Tab/Enter accepts a suggestion · Ctrl+Space suggests · DQL metric selects get a
            <code>[::{interval}s]</code> bucket unless they have a time clause</span>
        </div>
      </Panel>
      {errors.map((r) => (
        <div key={r.id} data-testid={`metrics-error-${r.id}`}>
          <ErrorBox error={Object.assign(new Error(`query ${r.id}: ${r.error!.message}`), { code: (r.error as any).code })} />
        </div>
      ))}
      <Panel
        testId="metrics-result"
        title={<>Result{results.data && anyQuery && <span class="hint" data-testid="metrics-series-count"> {allSeries.length} series</span>}</>}
        actions={
          <div class="metrics-views" role="group">
            {VIEWS.map((v) => (
              <button key={v.v} class={`btn small ${view === v.v ? 'primary' : ''}`} data-testid={`metrics-view-${v.v}`}
                      onClick={() => setQuery({ view: v.v === 'line' ? undefined : v.v })}>{v.l}</button>
            ))}
          </div>
        }>
        {!anyQuery ? (
          <Empty title="Pick a measurement or write a query">
            <p>DQL: <code>M::cpu:(avg(usage_total)) {'{'}host = 'web-1'{'}'} BY host</code> · PromQL (field <code>f</code> of
              measurement <code>m</code> is <code>m_f</code>): <code>avg by (host) (cpu_usage_total)</code></p>
            {agentHint()}
          </Empty>
        ) : !results.data && results.loading ? <Loading />
          : allSeries.length === 0 && errors.length === 0 ? (
            <Empty title="No data for these queries in the range">
              <p>Check the measurement and the time range, or send metrics: the agent's host inputs
                (<code>cpu</code>, <code>mem</code>, <code>disk</code>, …), or line protocol to <code>POST /v1/write/metric?token=&lt;token&gt;</code>.</p>
              {agentHint()}
            </Empty>
          ) : view === 'table' && table ? (
            <div class="metrics-table-wrap">
              <table class="table" data-testid="metrics-table">
                <thead><tr><th>Query</th><th>Series</th><th>Time</th>{table.columns.map((c) => <th key={c} class="num">{c}</th>)}</tr></thead>
                <tbody>
                  {table.rows.map((r, i) => (
                    <tr key={i}>
                      <td>{r.query}</td><td class="mono">{r.series}</td>
                      <td class="mono">{r.time !== null ? formatLocal(r.time) : '–'}</td>
                      {table.columns.map((c) => {
                        const v = r.values[c];
                        return <td key={c} class="num" data-col={c}>{typeof v === 'number' ? formatNumber(v, 3) : v === undefined || v === null ? '–' : String(v)}</td>;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
              {table.total > table.rows.length && <div class="hint">Showing {table.rows.length} of {table.total} rows.</div>}
            </div>
          ) : allSeries.length > 0 ? (
            <div data-testid="metrics-chart" data-series={allSeries.length}>
              <ResultChart series={allSeries} kind={view as ChartKind} span={results.data?.span} />
            </div>
          ) : <div class="state">No result: see the error above.</div>}
        {data.some((r) => r.cost) && (
          <div class="hint metrics-cost">{data.map((r) => `${r.id}: ${r.series.length} series${r.cost ? `, ${r.cost}` : ''}`).join(' · ')}</div>
        )}
      </Panel>
    </Page>
  );
}
