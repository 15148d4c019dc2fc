// /apm: every service with its RED numbers over the range and sparklines of requests, errors
// and latency (from the derived apm_service metric, bucketed over the range).
import { useMemo } from 'preact/hooks';
import { Page, Panel } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { query } from '../../lib/api';
import { formatDurationUs, formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { navigate, setQuery, useLocation } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import { fetchServices } from './api';
import { APM_TABS, ErrorRate, serviceHref, TracingHint, useKeep } from './common';
import { bucketSeconds, redQuery, toRedSeries, type RedSeries } from './series';
import { Sparkline } from './Sparkline';
import type { ServiceStats } from './types';

interface Row extends ServiceStats {
  type: string;
  spark?: RedSeries;
}

export function ServicesPage() {
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const loc = useLocation();
  const keep = useKeep();
  const filter = loc.query.get('q') ?? '';
  const services = useAsync((signal) => fetchServices(range, {}, signal), [range.from, range.to, tick]);
  // Sparklines and service types load in parallel with the table; a failure leaves them blank.
  const sparks = useAsync(async () => {
    const [from, to] = resolveRange(range);
    const step = bucketSeconds(from, to, 30);
    const r = await query('dql', redQuery(step, { by: 'service' }), range);
    return toRedSeries(r.series, from, to, step, 'service');
  }, [range.from, range.to, tick]);
  const types = useAsync(async () => {
    const r = await query('dql', 'T::*:(count(*)) BY service, source_type', range);
    const m = new Map<string, string>();
    for (const s of r.series) {
      const svc = s.tags?.service;
      const t = s.tags?.source_type;
      if (svc && t) m.set(svc, m.has(svc) && m.get(svc) !== t ? `${m.get(svc)}, ${t}` : t);
    }
    return m;
  }, [range.from, range.to, tick]);

  const rows = useMemo<Row[]>(() => {
    const bySvc = new Map((sparks.data ?? []).map((s) => [s.key, s]));
    const f = filter.toLowerCase();
    return (services.data ?? [])
      .filter((s) => !f || s.service.toLowerCase().includes(f))
      .map((s) => ({ ...s, type: types.data?.get(s.service) ?? '', spark: bySvc.get(s.service) }));
  }, [services.data, sparks.data, types.data, filter]);

  const columns = useMemo<Column<Row>[]>(() => [
    { key: 'service', title: 'Service', sort: (r) => r.service,
      render: (r) => <a href={serviceHref(r.service, keep)} data-testid="apm-service-link"
                        onClick={(e) => e.stopPropagation()}>{r.service}</a> },
    { key: 'type', title: 'Type', sort: (r) => r.type, render: (r) => r.type ? <span class="badge">{r.type}</span> : '–' },
    { key: 'requests', title: 'Requests', align: 'right', sort: (r) => r.requests,
      render: (r) => <span data-testid="apm-requests">{formatNumber(r.requests, 0)}</span> },
    { key: 'rate', title: 'Rate', align: 'right', sort: (r) => r.qps,
      render: (r) => r.qps >= 1 ? `${formatNumber(r.qps)}/s` : `${formatNumber(r.qps * 60)}/min` },
    { key: 'reqspark', title: 'Requests over time',
      render: (r) => <Sparkline values={r.spark?.requests ?? []} title="requests per bucket" /> },
    { key: 'errors', title: 'Error %', align: 'right', sort: (r) => r.error_rate,
      render: (r) => <span title={`${r.errors} errors`}><ErrorRate rate={r.error_rate} /></span> },
    { key: 'errspark', title: 'Errors over time',
      render: (r) => <Sparkline values={r.spark?.errors ?? []} color="var(--err)" title="errors per bucket" /> },
    { key: 'p50', title: 'P50', align: 'right', sort: (r) => r.p50_us ?? -1, render: (r) => formatDurationUs(r.p50_us) },
    { key: 'p95', title: 'P95', align: 'right', sort: (r) => r.p95_us ?? -1, render: (r) => formatDurationUs(r.p95_us) },
    { key: 'p99', title: 'P99', align: 'right', sort: (r) => r.p99_us ?? -1, render: (r) => formatDurationUs(r.p99_us) },
    { key: 'latspark', title: 'Latency over time',
      render: (r) => <Sparkline values={r.spark?.avg_us ?? []} color="#9a60b4" title="mean latency per bucket" /> },
  ], [keep.from, keep.to, keep.refresh]);

  return (
    <Page title="APM" tabs={APM_TABS}
          actions={<input class="apm-search" placeholder="Filter services" value={filter} data-testid="apm-service-filter"
                          onInput={(e) => setQuery({ q: (e.target as HTMLInputElement).value }, true)} />}>
      <Panel title={`Services${services.data ? ` (${rows.length})` : ''}`} testId="apm-services">
        {services.error ? <ErrorBox error={services.error} />
          : !services.data ? <Loading />
          : services.data.length === 0 ? (
            <Empty title="No services in this time range">
              <TracingHint />
            </Empty>
          ) : (
            <div class="apm-services">
              <Table columns={columns} rows={rows} rowKey={(r) => r.service} testId="apm-services-table"
                     initialSort={{ key: 'requests', desc: true }}
                     onRowClick={(r) => navigate(`/apm/services/${encodeURIComponent(r.service)}`, keep)} />
            </div>
          )}
        {sparks.error && <div class="hint error">Sparklines: {sparks.error.message}</div>}
      </Panel>
    </Page>
  );
}
