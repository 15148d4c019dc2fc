// /infra: every host that reported a HOST object, searchable and sortable; a row opens its detail.
import { useMemo } from 'preact/hooks';
import { Page, Panel, Stat } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { query } from '../../lib/api';
import { formatAgo, formatDurationUs, formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { navigate, setQuery, useLocation } from '../../lib/router';
import { filterHosts, HOST_LIST_QUERY, hostRows, hostStatus, type HostRow } from './hosts';

function Meter({ value }: { value: number | null }) {
  if (value === null) return <span class="hint">–</span>;
  const cls = value >= 90 ? 'err' : value >= 70 ? 'warn' : 'ok';
  return (
    <span class="infra-meter">
      <span class="infra-meter-bar"><span class={`infra-meter-fill ${cls}`} style={{ width: `${Math.min(100, Math.max(0, value))}%` }} /></span>
      <span class="infra-meter-text">{formatNumber(value, 1)}%</span>
    </span>
  );
}

function uptime(r: HostRow, now: number): string {
  return r.startTime ? formatDurationUs((now - r.startTime) * 1000) : '–';
}

export function HostList() {
  const loc = useLocation();
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const search = loc.query.get('q') ?? '';
  const st = useAsync(() => query('dql', HOST_LIST_QUERY, range, { limit: 5000 }), [tick]);
  const rows = useMemo(() => hostRows(st.data?.series ?? []), [st.data]);
  const shown = useMemo(() => filterHosts(rows, search), [rows, search]);
  const now = Date.now();
  const keep: Record<string, string> = {};
  for (const k of ['from', 'to', 'refresh']) {
    const v = loc.query.get(k);
    if (v) keep[k] = v;
  }
  const columns: Column<HostRow>[] = [
    { key: 'name', title: 'Host', sort: (r) => r.name,
      render: (r) => (
        <span class="infra-hostname">
          <span class={`infra-dot ${hostStatus(r, now)}`} title={hostStatus(r, now) === 'ok' ? 'reporting' : 'stale'} />
          <a href={`#/infra/hosts/${encodeURIComponent(r.name)}`} onClick={(e) => e.stopPropagation()}>{r.name}</a>
        </span>
      ) },
    { key: 'os', title: 'OS', sort: (r) => r.os, render: (r) => <span>{r.os || '–'}{r.arch ? <span class="hint"> {r.arch}</span> : null}</span> },
    { key: 'ip', title: 'IP', sort: (r) => r.ip, render: (r) => <span class="mono">{r.ip || '–'}</span> },
    { key: 'cpus', title: 'CPUs', align: 'right', sort: (r) => r.numCpu ?? -1, render: (r) => r.numCpu ?? '–' },
    { key: 'cpu', title: 'CPU use', sort: (r) => r.cpuUsage ?? -1, render: (r) => <span data-testid="host-cpu"><Meter value={r.cpuUsage} /></span> },
    { key: 'mem', title: 'Memory use', sort: (r) => r.memUsedPercent ?? -1, render: (r) => <span data-testid="host-mem"><Meter value={r.memUsedPercent} /></span> },
    { key: 'load', title: 'Load 5m', align: 'right', sort: (r) => r.load ?? -1, render: (r) => formatNumber(r.load) },
    { key: 'uptime', title: 'Uptime', align: 'right', sort: (r) => (r.startTime ? now - r.startTime : -1), render: (r) => uptime(r, now) },
    { key: 'seen', title: 'Last seen', align: 'right', sort: (r) => r.lastSeen, render: (r) => <span title={new Date(r.lastSeen).toISOString()}>{formatAgo(r.lastSeen, now)}</span> },
  ];
  const stale = rows.filter((r) => hostStatus(r, now) === 'stale').length;
  const avg = (f: (r: HostRow) => number | null) => {
    const xs = rows.map(f).filter((x): x is number => x !== null);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  };
  return (
    <Page title="Infrastructure" timePicker={true}>
      {st.error && <ErrorBox error={st.error} />}
      {!st.data && st.loading && <Loading />}
      {st.data && rows.length === 0 && (
        <Empty title="No hosts yet">
          <p>Hosts appear here when an agent's <code>hostobject</code> input reports them (object <code>HOST</code>, every 5 minutes).
            It is on by default with the host inputs (<code>cpu</code>, <code>mem</code>, <code>disk</code>, <code>diskio</code>, <code>net</code>, <code>system</code>).</p>
          <p>Or write one yourself: <code>POST /v1/write/object?token=&lt;token&gt;</code> with
            <code> HOST,name=web-1,os=linux cpu_usage=12.5,mem_used_percent=40.2</code></p>
        </Empty>
      )}
      {rows.length > 0 && (
        <>
          <div class="stats">
            <Stat label="Hosts" value={rows.length} testId="infra-stat-hosts" />
            <Stat label="Stale (no report for 15 min)" value={stale} />
            <Stat label="Average CPU use" value={`${formatNumber(avg((r) => r.cpuUsage), 1)}%`} />
            <Stat label="Average memory use" value={`${formatNumber(avg((r) => r.memUsedPercent), 1)}%`} />
          </div>
          <Panel
            title={<>Hosts <span class="hint" data-testid="infra-host-count">{shown.length} of {rows.length}</span></>}
            actions={
              <input class="infra-search" type="search" placeholder="Search name, OS, IP…" value={search}
                     data-testid="infra-search"
                     onInput={(e) => setQuery({ q: (e.target as HTMLInputElement).value }, true)} />
            }>
            {shown.length === 0
              ? <div class="infra-nodata">No host matches “{search}”.</div>
              : <Table columns={columns} rows={shown} rowKey={(r) => r.name} testId="infra-hosts"
                       initialSort={{ key: 'name', desc: false }}
                       onRowClick={(r) => navigate(`/infra/hosts/${encodeURIComponent(r.name)}`, keep)} />}
          </Panel>
        </>
      )}
    </Page>
  );
}
