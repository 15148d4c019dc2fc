// /apm/services/:service: the service's numbers, RED charts over time (one line per version, so a
// canary shows), its top resources, recent traces and recent errors.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Page, Panel, Stat } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { query } from '../../lib/api';
import { formatAgo, formatDurationUs, formatNumber, formatPercent } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { href, navigate } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import type { PageProps } from '../../routes';
import { fetchResources, fetchServices, fetchTraces } from './api';
import { redOption } from './charts';
import { APM_TABS, ErrorRate, StatusBadge, TracingHint, useKeep } from './common';
import { bucketSeconds, redQuery, toRedSeries } from './series';
import type { ServiceStats, TraceSummary } from './types';

export function ServicePage({ params }: PageProps) {
  const service = params.service;
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const keep = useKeep();
  const deps = [service, range.from, range.to, tick];
  const stats = useAsync((s) => fetchServices(range, { service }, s), deps);
  const versions = useAsync((s) => fetchServices(range, { service, split: 'env,version' }, s), deps);
  const resources = useAsync((s) => fetchResources(range, { service }, s), deps);
  const traces = useAsync((s) => fetchTraces(range, { service, limit: 20 }, s), deps);
  const errors = useAsync((s) => fetchTraces(range, { service, status: 'error,critical', limit: 20 }, s), deps);
  const red = useAsync(async () => {
    const [from, to] = resolveRange(range);
    const step = bucketSeconds(from, to, 60);
    const r = await query('dql', redQuery(step, { service, by: 'version' }), range);
    return toRedSeries(r.series, from, to, step, 'version');
  }, deps);

  const s = stats.data?.[0];
  const charts = useMemo(() => red.data && {
    requests: redOption(red.data, 'requests'),
    errors: redOption(red.data, 'error_rate'),
    latency: redOption(red.data, 'avg_us'),
    p99: redOption(red.data, 'p99_us'),
  }, [red.data]);

  const resCols = useMemo<Column<ServiceStats>[]>(() => [
    { key: 'resource', title: 'Resource', sort: (r) => r.resource ?? '',
      render: (r) => <a href={href('/apm/traces', { ...keep, service, resource: r.resource ?? '' })}>{r.resource}</a> },
    { key: 'requests', title: 'Requests', align: 'right', sort: (r) => r.requests, render: (r) => formatNumber(r.requests, 0) },
    { key: 'err', title: 'Error %', align: 'right', sort: (r) => r.error_rate, render: (r) => <ErrorRate rate={r.error_rate} /> },
    { key: 'avg', title: 'Avg', align: 'right', sort: (r) => r.avg_us, render: (r) => formatDurationUs(r.avg_us) },
    { key: 'p95', title: 'P95', align: 'right', sort: (r) => r.p95_us ?? -1, render: (r) => formatDurationUs(r.p95_us) },
    { key: 'p99', title: 'P99', align: 'right', sort: (r) => r.p99_us ?? -1, render: (r) => formatDurationUs(r.p99_us) },
    { key: 'time', title: 'Total time', align: 'right', sort: (r) => r.avg_us * r.requests, render: (r) => formatDurationUs(r.avg_us * r.requests) },
  ], [service, keep.from, keep.to]);

  const verCols: Column<ServiceStats>[] = [
    { key: 'env', title: 'Env', sort: (r) => r.env ?? '', render: (r) => r.env || '–' },
    { key: 'version', title: 'Version', sort: (r) => r.version ?? '', render: (r) => r.version || '–' },
    { key: 'requests', title: 'Requests', align: 'right', sort: (r) => r.requests, render: (r) => formatNumber(r.requests, 0) },
    { key: 'err', title: 'Error %', align: 'right', sort: (r) => r.error_rate, render: (r) => <ErrorRate rate={r.error_rate} /> },
    { key: 'p50', title: 'P50', align: 'right', sort: (r) => r.p50_us ?? -1, render: (r) => formatDurationUs(r.p50_us) },
    { key: 'p95', title: 'P95', align: 'right', sort: (r) => r.p95_us ?? -1, render: (r) => formatDurationUs(r.p95_us) },
    { key: 'p99', title: 'P99', align: 'right', sort: (r) => r.p99_us ?? -1, render: (r) => formatDurationUs(r.p99_us) },
  ];

  return (
    <Page title={<span><a href={href('/apm', keep)}>APM</a> / <span data-testid="apm-service-title">{service}</span></span>} tabs={APM_TABS}
          actions={<a class="btn" href={href('/apm/traces', { ...keep, service })}>Traces of {service}</a>}>
      {stats.error && <ErrorBox error={stats.error} />}
      {stats.data && !s && (
        <Empty title={`No requests of ${service} in this time range`}>
          <p>Pick a longer range, or check that the service sends spans.</p>
          <TracingHint />
        </Empty>
      )}
      {s && (
        <div class="stats apm-stats" data-testid="apm-service-stats">
          <Stat label="Requests" value={formatNumber(s.requests, 0)} testId="apm-stat-requests" />
          <Stat label="Rate" value={s.qps >= 1 ? `${formatNumber(s.qps)}/s` : `${formatNumber(s.qps * 60)}/min`} />
          <Stat label="Errors" value={<span>{formatNumber(s.errors, 0)} <small class="apm-muted">({formatPercent(s.error_rate)})</small></span>} testId="apm-stat-errors" />
          <Stat label="Avg latency" value={formatDurationUs(s.avg_us)} />
          <Stat label="P50" value={formatDurationUs(s.p50_us)} />
          <Stat label="P95" value={formatDurationUs(s.p95_us)} testId="apm-stat-p95" />
          <Stat label="P99" value={formatDurationUs(s.p99_us)} />
          <Stat label="Max" value={formatDurationUs(s.max_us)} />
        </div>
      )}
      <div class="apm-grid2">
        <Panel title="Requests (per bucket, by version)">
          {red.error ? <ErrorBox error={red.error} /> : charts ? <Chart option={charts.requests} height={200} testId="apm-chart-requests" /> : <Loading />}
        </Panel>
        <Panel title="Error rate">
          {red.error ? <ErrorBox error={red.error} /> : charts ? <Chart option={charts.errors} height={200} /> : <Loading />}
        </Panel>
        <Panel title="Mean latency">
          {red.error ? <ErrorBox error={red.error} /> : charts ? <Chart option={charts.latency} height={200} /> : <Loading />}
        </Panel>
        <Panel title="P99 latency (largest per-minute p99 of each bucket)">
          {red.error ? <ErrorBox error={red.error} /> : charts ? <Chart option={charts.p99} height={200} /> : <Loading />}
        </Panel>
      </div>
      <div class="apm-grid2">
        <Panel title="Top resources" testId="apm-resources">
          {resources.error ? <ErrorBox error={resources.error} /> : !resources.data ? <Loading />
            : resources.data.length === 0 ? <div class="state">No resources in this range.</div>
            : <Table columns={resCols} rows={resources.data} rowKey={(r) => r.resource ?? ''} initialSort={{ key: 'time', desc: true }} />}
        </Panel>
        <Panel title="Env / version" testId="apm-versions">
          {versions.error ? <ErrorBox error={versions.error} /> : !versions.data ? <Loading />
            : <Table columns={verCols} rows={versions.data} rowKey={(r) => `${r.env}:${r.version}`} />}
        </Panel>
      </div>
      <div class="apm-grid2">
        <Panel title="Recent traces" testId="apm-recent-traces">
          <TraceList state={traces} keep={keep} />
        </Panel>
        <Panel title="Recent errors" testId="apm-recent-errors">
          <TraceList state={errors} keep={keep} empty="No errors in this range." />
        </Panel>
      </div>
    </Page>
  );
}

function TraceList({ state, keep, empty = 'No traces in this range.' }: {
  state: { data?: { traces: TraceSummary[] }; error?: Error };
  keep: Record<string, string>;
  empty?: string;
}) {
  if (state.error) return <ErrorBox error={state.error} />;
  if (!state.data) return <Loading />;
  if (!state.data.traces.length) return <div class="state">{empty}</div>;
  const cols: Column<TraceSummary>[] = [
    { key: 'time', title: 'Time', render: (t) => <span title={new Date(t.start_us / 1000).toISOString()}>{formatAgo(t.start_us / 1000)}</span> },
    { key: 'resource', title: 'Resource', render: (t) => t.resource },
    { key: 'dur', title: 'Duration', align: 'right', render: (t) => formatDurationUs(t.duration_us) },
    { key: 'spans', title: 'Spans of service', align: 'right', render: (t) => t.span_count },
    { key: 'status', title: 'Status', render: (t) => <StatusBadge error={t.error} /> },
  ];
  return <Table columns={cols} rows={state.data.traces} rowKey={(t) => t.trace_id}
                onRowClick={(t) => navigate(`/apm/traces/${encodeURIComponent(t.trace_id)}`, keep)} />;
}
