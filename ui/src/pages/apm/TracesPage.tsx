// /apm/traces: trace search. Filters (service, resource, status, min/max duration, text) live in
// the URL; `key:value` words of the text are tag conditions, other words filter the listed
// traces by id, service or resource. A scatter of the results (time × duration) above the table.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Page, Panel } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { formatDurationUs, formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { navigate, setQuery, useLocation } from '../../lib/router';
import { formatLocal, resolveRange } from '../../lib/time';
import { fetchResources, fetchServices, fetchTraces } from './api';
import { APM_TABS, StatusBadge, TracingHint, useKeep } from './common';
import { FILTER_KEYS, looksLikeTraceId, matchesWords, readFilters, splitText, toApiParams, type TraceFilters } from './filters';
import { serviceColor } from './layout';
import type { TraceSummary } from './types';

export function TracesPage() {
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const loc = useLocation();
  const keep = useKeep();
  const applied = useMemo(() => readFilters(loc.query), [loc.query.toString()]);
  const [form, setForm] = useState<TraceFilters>(applied);
  useEffect(() => setForm(applied), [applied]);
  const { params, errors } = useMemo(() => toApiParams(applied), [applied]);
  const words = useMemo(() => splitText(applied.text).words, [applied.text]);
  const key = JSON.stringify(params);
  const traces = useAsync((s) => fetchTraces(range, params, s), [range.from, range.to, tick, key]);
  const services = useAsync((s) => fetchServices(range, {}, s), [range.from, range.to]);
  const resources = useAsync((s) => form.service ? fetchResources(range, { service: form.service }, s) : Promise.resolve([]),
                             [range.from, range.to, form.service]);
  const rows = useMemo(() => (traces.data?.traces ?? []).filter((t) => matchesWords(t, words)), [traces.data, words]);
  const maxDur = useMemo(() => Math.max(1, ...rows.map((t) => t.duration_us)), [rows]);

  const apply = (f: TraceFilters) => {
    const ch: Record<string, string | undefined> = {};
    for (const k of FILTER_KEYS) ch[k] = f[k] || undefined;
    setQuery(ch);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (looksLikeTraceId(form.text)) {
      navigate(`/apm/traces/${form.text.trim().toLowerCase()}`, keep);
      return;
    }
    apply(form);
  };
  const set = (k: keyof TraceFilters) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const setNow = (k: keyof TraceFilters) => (e: Event) => {
    const f = { ...form, [k]: (e.target as HTMLSelectElement).value };
    if (k === 'service') f.resource = '';
    setForm(f);
    apply(f);
  };

  const cols = useMemo<Column<TraceSummary>[]>(() => [
    { key: 'time', title: 'Time', sort: (t) => t.start_us, render: (t) => <span class="mono">{formatLocal(t.start_us / 1000)}</span> },
    { key: 'service', title: 'Service', sort: (t) => t.service,
      render: (t) => <span><span class="apm-dot" style={{ background: serviceColor(t.service) }} />{t.service}</span> },
    { key: 'resource', title: 'Resource', sort: (t) => t.resource, render: (t) => <span data-testid="apm-trace-resource">{t.resource}</span> },
    { key: 'duration', title: 'Duration', align: 'right', sort: (t) => t.duration_us,
      render: (t) => (
        <span class="apm-durcell">
          <span class="apm-durtrack"><span class="apm-durbar" style={{ width: `${Math.max(2, (t.duration_us / maxDur) * 100)}%` }} /></span>
          <span class="apm-durtext">{formatDurationUs(t.duration_us)}</span>
        </span>
      ) },
    { key: 'spans', title: 'Spans', align: 'right', sort: (t) => t.span_count, render: (t) => t.span_count },
    { key: 'status', title: 'Status', sort: (t) => (t.error ? 1 : 0), render: (t) => <StatusBadge error={t.error} /> },
    { key: 'id', title: 'Trace ID', render: (t) => <span class="mono apm-muted" data-testid="apm-trace-id">{t.trace_id}</span> },
  ], [maxDur]);

  // The scatter's x axis is the searched range (resolved when the results arrive).
  const span = useMemo(() => {
    try {
      return resolveRange(range);
    } catch {
      return [undefined, undefined];
    }
  }, [traces.data]);
  const scatter = useMemo(() => rows.length ? {
    animation: false,
    grid: { left: 64, right: 16, top: 12, bottom: 24 },
    tooltip: { formatter: (p: any) => `${p.data.t.service} ${p.data.t.resource}<br/>${formatDurationUs(p.data.value[1])} · ${p.data.t.span_count} spans` },
    xAxis: { type: 'time', min: span[0], max: span[1] },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => formatDurationUs(v) } },
    series: [{
      type: 'scatter',
      symbolSize: 7,
      data: rows.map((t) => ({ value: [t.start_us / 1000, t.duration_us], t,
                               itemStyle: { color: t.error ? '#dc2626' : '#2563eb', opacity: 0.75 } })),
    }],
  } : undefined, [rows, span[0], span[1]]);

  return (
    <Page title="Traces" tabs={APM_TABS}>
      <form class="panel apm-filters" onSubmit={submit} data-testid="apm-trace-filters">
        <label>Service
          <select value={form.service} onChange={setNow('service')} data-testid="apm-filter-service">
            <option value="">All services</option>
            {(services.data ?? []).map((s) => <option key={s.service} value={s.service}>{s.service}</option>)}
            {form.service && !(services.data ?? []).some((s) => s.service === form.service) &&
              <option value={form.service}>{form.service}</option>}
          </select>
        </label>
        <label>Resource
          <input list="apm-resources" value={form.resource} onInput={set('resource')} placeholder="GET /api/…" data-testid="apm-filter-resource" />
          <datalist id="apm-resources">
            {(resources.data ?? []).map((r) => <option key={r.resource} value={r.resource} />)}
          </datalist>
        </label>
        <label>Status
          <select value={form.status} onChange={setNow('status')} data-testid="apm-filter-status">
            <option value="">Any</option>
            <option value="ok">OK</option>
            <option value="error">Error</option>
          </select>
        </label>
        <label>Min duration
          <input class="apm-short" value={form.min} onInput={set('min')} placeholder="100ms" data-testid="apm-filter-min" />
        </label>
        <label>Max duration
          <input class="apm-short" value={form.max} onInput={set('max')} placeholder="2s" data-testid="apm-filter-max" />
        </label>
        <label class="apm-grow">Text
          <input value={form.text} onInput={set('text')} placeholder="trace id, words, or tag key:value (http_method:GET)" data-testid="apm-filter-text" />
        </label>
        <div class="apm-filter-actions">
          <button class="btn primary" type="submit" data-testid="apm-filter-apply">Search</button>
          <button class="btn" type="button" onClick={() => apply({ service: '', resource: '', status: '', min: '', max: '', text: '' })}>Clear</button>
        </div>
      </form>
      {errors.map((e) => <div key={e} class="hint error">{e}</div>)}
      {traces.error ? <ErrorBox error={traces.error} />
        : !traces.data ? <Loading />
        : rows.length === 0 ? (
          <Empty title="No traces match">
            {traces.data.traces.length === 0 && !loc.query.toString().match(/service=|resource=|status=|min=|max=|text=/)
              ? <TracingHint /> : <p>Loosen the filters or pick a longer time range.</p>}
          </Empty>
        ) : (
          <>
            {scatter && (
              <Panel title="Duration over time">
                <Chart option={scatter} height={160} onEvent={(n, p) => {
                  if (n === 'click' && p.data?.t) navigate(`/apm/traces/${encodeURIComponent(p.data.t.trace_id)}`, keep);
                }} />
              </Panel>
            )}
            <Panel title={`${formatNumber(rows.length, 0)} traces${traces.data.truncated ? ' (search truncated)' : ''}`} testId="apm-traces">
              <Table columns={cols} rows={rows} rowKey={(t) => t.trace_id} testId="apm-traces-table"
                     onRowClick={(t) => navigate(`/apm/traces/${encodeURIComponent(t.trace_id)}`, keep)} />
            </Panel>
          </>
        )}
    </Page>
  );
}
