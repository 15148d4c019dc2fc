// /infra/hosts/:host: the host's HOST object (facts, interfaces, disks) and charts of its cpu,
// mem, load, disk, diskio and net metrics over the picked range, fetched in parallel.
import { useMemo } from 'preact/hooks';
import { Page, Panel, Stat } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { query, type QueryResult } from '../../lib/api';
import { formatAgo, formatBytes, formatDurationUs, formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { href, useLocation } from '../../lib/router';
import { autoInterval, formatLocal, resolveRange } from '../../lib/time';
import type { PageProps } from '../../routes';
import { hostCharts, hostObjectQuery, hostRows, parseHostMessage } from './hosts';
import type { HostChartProps } from './HostChart';
import { lazyComponent } from '../../lib/lazy';

// The charts' module (with ECharts) loads while the queries run.
const HostChart = lazyComponent<HostChartProps>(() => import('./HostChart').then((m) => m.HostChart), ({ def }) => (
  <section class="panel infra-chart" data-testid={`infra-chart-${def.id}`}>
    <div class="panel-head"><h2>{def.title}</h2></div>
    <div class="infra-chart-placeholder" />
  </section>
));

function ChartSlot({ def, range, tick }: { def: ReturnType<typeof hostCharts>[number]; range: any; tick: number }) {
  const st = useAsync<{ r: QueryResult; span: [number, number] }>(async () => {
    const span = resolveRange(range);
    return { r: await query('dql', def.q, { from: String(span[0]), to: String(span[1]) }), span };
  }, [def.q, range.from, range.to, tick]);
  return <HostChart def={def} series={st.data?.r.series} span={st.data?.span} error={st.error} loading={st.loading} />;
}

export function HostDetail({ params }: PageProps) {
  const host = params.host;
  const loc = useLocation();
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const obj = useAsync(() => query('dql', hostObjectQuery(host), range), [host, tick]);
  const row = useMemo(() => hostRows(obj.data?.series ?? [])[0], [obj.data]);
  const info = useMemo(() => parseHostMessage(row?.message), [row]);
  const interval = useMemo(() => {
    try { return autoInterval(range, 120); } catch { return 60; }
  }, [range.from, range.to]);
  const charts = useMemo(() => hostCharts(host, interval), [host, interval]);
  const keep: Record<string, string> = {};
  for (const k of ['from', 'to', 'refresh']) {
    const v = loc.query.get(k);
    if (v) keep[k] = v;
  }
  const now = Date.now();
  return (
    <Page title={<><a href={href('/infra', keep)} class="infra-crumb">Infrastructure</a> <span class="hint">/</span> <span data-testid="infra-host-title">{host}</span></>}
          actions={
            <>
              <a class="btn" data-testid="infra-logs-link" href={href('/logs', { ...keep, q: `host:${host}` })}>Logs</a>
              <a class="btn" data-testid="infra-traces-link" href={href('/apm/traces', { ...keep, text: `host:${host}` })}>Traces</a>
            </>
          }>
      {obj.error && <ErrorBox error={obj.error} />}
      {!obj.data && obj.loading && <Loading />}
      {obj.data && !row && (
        <Empty title={`No HOST object for “${host}”`}>
          <p>The agent on that host reports it with the <code>hostobject</code> input. The metric charts below still show what the host's metric inputs sent.</p>
        </Empty>
      )}
      {row && (
        <div class="infra-detail-top">
          <div class="stats">
            <Stat label="CPU use" value={`${formatNumber(row.cpuUsage, 1)}%`} testId="infra-detail-cpu" />
            <Stat label="Memory use" value={`${formatNumber(row.memUsedPercent, 1)}%`} testId="infra-detail-mem" />
            <Stat label="Load 5m" value={formatNumber(row.load)} />
            <Stat label="Disk use" value={`${formatNumber(row.diskUsedPercent, 1)}%`} />
            <Stat label="Uptime" value={row.startTime ? formatDurationUs((now - row.startTime) * 1000) : '–'} />
          </div>
          <Panel title="Host" testId="infra-host-info">
            <dl class="infra-facts">
              <dt>Name</dt><dd>{row.name}</dd>
              <dt>OS</dt><dd data-testid="infra-info-os">{[row.os, info?.platform, info?.platformVersion].filter(Boolean).join(' ') || '–'}</dd>
              <dt>Kernel</dt><dd>{info?.kernel ?? '–'}</dd>
              <dt>Architecture</dt><dd>{row.arch || '–'}</dd>
              <dt>IP</dt><dd class="mono">{row.ip || '–'}</dd>
              <dt>CPUs</dt><dd>{row.numCpu ?? info?.cpuCount ?? '–'}{info?.cpuModel ? <span class="hint"> {info.cpuModel}</span> : null}</dd>
              <dt>Memory</dt><dd>{info?.memoryTotal ? formatBytes(info.memoryTotal) : '–'}{info?.swapTotal ? <span class="hint"> + {formatBytes(info.swapTotal)} swap</span> : null}</dd>
              <dt>Booted</dt><dd>{row.startTime ? formatLocal(row.startTime) : '–'}</dd>
              <dt>Last seen</dt><dd>{formatAgo(row.lastSeen, now)} <span class="hint">({formatLocal(row.lastSeen)})</span></dd>
              <dt>Agent</dt><dd>{row.agentVersion || '–'}</dd>
            </dl>
            {info && (info.interfaces.length > 0 || info.disks.length > 0) && (
              <div class="infra-subtables">
                {info.interfaces.length > 0 && (
                  <table class="table infra-mini">
                    <thead><tr><th>Interface</th><th>IPv4</th><th>MAC</th></tr></thead>
                    <tbody>{info.interfaces.map((n) => <tr key={n.name}><td>{n.name}</td><td class="mono">{n.ip4 ?? '–'}</td><td class="mono">{n.mac ?? '–'}</td></tr>)}</tbody>
                  </table>
                )}
                {info.disks.length > 0 && (
                  <table class="table infra-mini">
                    <thead><tr><th>Mount point</th><th>Device</th><th class="num">Size</th></tr></thead>
                    <tbody>{info.disks.map((d) => <tr key={d.mountpoint}><td>{d.mountpoint}</td><td class="mono">{d.device} <span class="hint">{d.fstype}</span></td><td class="num">{formatBytes(d.total)}</td></tr>)}</tbody>
                  </table>
                )}
              </div>
            )}
          </Panel>
        </div>
      )}
      <div class="infra-charts">
        {charts.map((c) => <ChartSlot key={c.id} def={c} range={range} tick={tick} />)}
      </div>
    </Page>
  );
}
