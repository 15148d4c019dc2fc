// /apm/map: services and the calls between them over the range. ?split= none | env | version |
// env,version keeps canary versions apart; edges carry calls · error % · p99. Clicking a node
// opens the service.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Page, Panel } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { formatDurationUs, formatNumber } from '../../lib/format';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { navigate, setQuery, useLocation } from '../../lib/router';
import { fetchServiceMap } from './api';
import { APM_TABS, ErrorRate, serviceHref, TracingHint, useKeep } from './common';
import { apiSplit, buildMapGraph, layeredLayout, parseSplit, SPLIT_MODES, type MapEdge, type MapGraph, type MapNode } from './map';

function nodeColor(n: MapNode): string {
  if (n.requests === 0) return '#9ca3af';
  return n.error_rate >= 0.05 ? '#dc2626' : n.error_rate > 0 ? '#d97706' : '#16a34a';
}

function graphOption(g: MapGraph): any {
  const pos = layeredLayout(g);
  const maxReq = Math.max(1, ...g.nodes.map((n) => n.requests));
  const labelOf = new Map(g.nodes.map((n) => [n.id, n.label]));
  return {
    animation: false,
    tooltip: {
      formatter: (p: any) => {
        if (p.dataType === 'edge') {
          const e = p.data.raw as MapEdge;
          return `${labelOf.get(e.source)} → ${labelOf.get(e.target)}<br/>${e.label}<br/>avg ${formatDurationUs(e.avg_us)}`;
        }
        const n = p.data.raw as MapNode;
        return `<b>${n.label}</b><br/>${formatNumber(n.requests, 0)} requests · ${formatNumber(n.error_rate * 100, 1)}% errors<br/>` +
               `avg ${formatDurationUs(n.avg_us)} · p99 ${formatDurationUs(n.p99_us)}`;
      },
    },
    series: [{
      type: 'graph',
      layout: 'none',
      roam: true,
      draggable: true,
      left: 120, right: 160, top: 50, bottom: 50,
      edgeSymbol: ['none', 'arrow'],
      edgeSymbolSize: 9,
      label: { show: true, position: 'bottom', fontSize: 12, color: '#1f2430', fontWeight: 600 },
      edgeLabel: { show: true, fontSize: 11, color: '#4b5563', formatter: (p: any) => p.data.raw.label,
                   backgroundColor: 'rgba(255,255,255,0.85)', padding: [2, 4], borderRadius: 3 },
      lineStyle: { width: 1.5, curveness: 0.08, opacity: 0.8 },
      emphasis: { focus: 'adjacency', lineStyle: { width: 3 } },
      data: g.nodes.map((n) => {
        const p = pos.get(n.id)!;
        return {
          id: n.id,
          name: n.label,
          x: p.x,
          y: p.y,
          symbolSize: 22 + 26 * Math.sqrt(n.requests / maxReq),
          itemStyle: { color: nodeColor(n), borderColor: '#fff', borderWidth: 2 },
          raw: n,
        };
      }),
      links: g.edges.map((e) => ({
        source: e.source,
        target: e.target,
        lineStyle: { color: e.error_rate > 0 ? '#dc2626' : '#94a3b8', width: 1 + Math.min(4, Math.log10(1 + e.calls)) },
        raw: e,
      })),
    }],
  };
}

export function MapPage() {
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const loc = useLocation();
  const keep = useKeep();
  const split = parseSplit(loc.query.get('split'));
  const server = apiSplit(split);
  const data = useAsync((s) => fetchServiceMap(range, server, s), [range.from, range.to, tick, server]);
  const graph = useMemo(() => data.data && buildMapGraph(data.data, split), [data.data, split]);
  const option = useMemo(() => graph && graphOption(graph), [graph]);
  const labelOf = useMemo(() => new Map((graph?.nodes ?? []).map((n) => [n.id, n])), [graph]);

  const edgeCols: Column<MapEdge>[] = [
    { key: 'source', title: 'Caller', sort: (e) => labelOf.get(e.source)?.label ?? '',
      render: (e) => <a href={serviceHref(labelOf.get(e.source)?.service ?? '', keep)}>{labelOf.get(e.source)?.label}</a> },
    { key: 'target', title: 'Callee', sort: (e) => labelOf.get(e.target)?.label ?? '',
      render: (e) => <a href={serviceHref(labelOf.get(e.target)?.service ?? '', keep)}>{labelOf.get(e.target)?.label}</a> },
    { key: 'calls', title: 'Calls', align: 'right', sort: (e) => e.calls, render: (e) => <span data-testid="apm-edge-calls">{formatNumber(e.calls, 0)}</span> },
    { key: 'err', title: 'Error %', align: 'right', sort: (e) => e.error_rate, render: (e) => <ErrorRate rate={e.error_rate} /> },
    { key: 'avg', title: 'Avg', align: 'right', sort: (e) => e.avg_us, render: (e) => formatDurationUs(e.avg_us) },
    { key: 'p99', title: 'P99', align: 'right', sort: (e) => e.p99_us ?? -1,
      render: (e) => formatDurationUs(e.p99_us) },
  ];

  const toggle = (
    <div class="apm-segmented" role="group" aria-label="Split nodes by" data-testid="apm-split">
      <span class="apm-segmented-label">Split by</span>
      {SPLIT_MODES.map((m) => (
        <button key={m.value} class={`btn small ${split === m.value ? 'primary' : ''}`} data-testid={`apm-split-${m.value.replace(',', '-')}`}
                aria-pressed={split === m.value}
                onClick={() => setQuery({ split: m.value === 'none' ? undefined : m.value })}>{m.label}</button>
      ))}
    </div>
  );

  return (
    <Page title="Service map" tabs={APM_TABS} actions={toggle}>
      {data.error ? <ErrorBox error={data.error} />
        : !graph ? <Loading />
        : graph.nodes.length === 0 ? (
          <Empty title="No service calls in this time range"><TracingHint /></Empty>
        ) : (
          <>
            <Panel title={`${graph.nodes.length} nodes · ${graph.edges.length} edges`} testId="apm-map">
              <div data-testid="apm-map-nodes" class="apm-map-nodes">
                {graph.nodes.map((n) => (
                  <a key={n.id} href={serviceHref(n.service, keep)} class="apm-node-chip" data-testid="apm-map-node" data-node={n.label}>
                    <span class="apm-dot" style={{ background: nodeColor(n) }} />{n.label}
                    <span class="apm-muted apm-chip-num">{formatNumber(n.requests, 0)} req</span>
                  </a>
                ))}
              </div>
              {option && (
                <Chart option={option} height={Math.max(360, Math.min(720, 140 + 110 * tallest(graph)))} testId="apm-map-chart"
                       onEvent={(name, p) => {
                         if (name === 'click' && p.dataType === 'node') navigate(`/apm/services/${encodeURIComponent(p.data.raw.service)}`, keep);
                       }} />
              )}
            </Panel>
            <Panel title="Calls" testId="apm-map-edges">
              {graph.edges.length === 0 ? <div class="state">No calls between services in this range.</div>
                : <Table columns={edgeCols} rows={graph.edges} rowKey={(e) => `${e.source}>${e.target}`} testId="apm-edges-table"
                         initialSort={{ key: 'calls', desc: true }} />}
            </Panel>
          </>
        )}
    </Page>
  );
}

function tallest(g: MapGraph): number {
  const pos = layeredLayout(g);
  const cols = new Map<number, number>();
  for (const p of pos.values()) cols.set(p.column, (cols.get(p.column) ?? 0) + 1);
  return Math.max(1, ...cols.values());
}
