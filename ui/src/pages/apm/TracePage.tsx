// /apm/traces/:id: one trace. Header (root service, resource, duration, status), the flame graph,
// waterfall and span list (?view=), the selected span's attributes (?span=<index in tree order>),
// self time per service, and links to the trace's logs and to the host.
import { useMemo } from 'preact/hooks';
import { Page, Panel, Stat } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { ApiError } from '../../lib/api';
import { formatDurationUs, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { href, setQuery, useLocation } from '../../lib/router';
import { formatLocal } from '../../lib/time';
import type { PageProps } from '../../routes';
import { fetchTrace } from './api';
import { APM_TABS, Field, serviceHref, StatusBadge, useKeep } from './common';
import { FlameGraph } from './FlameGraph';
import { layoutTrace, spanError, waterfallBar, type LaidSpan, type TraceLayout } from './layout';
import type { TraceDoc } from './types';

type View = 'flame' | 'waterfall' | 'list';
const VIEWS: { v: View; label: string }[] = [
  { v: 'flame', label: 'Flame graph' },
  { v: 'waterfall', label: 'Waterfall' },
  { v: 'list', label: 'Span list' },
];
const MAX_ROWS = 3000; // waterfall rows rendered (the flame graph and span list show every span)

export function TracePage({ params }: PageProps) {
  const id = params.id;
  const loc = useLocation();
  const keep = useKeep();
  const view = (VIEWS.find((x) => x.v === loc.query.get('view'))?.v ?? 'flame') as View;
  const trace = useAsync((s) => fetchTrace(id, s), [id]);
  const layout = useMemo(() => trace.data && layoutTrace(trace.data.spans), [trace.data]);
  const selParam = Number(loc.query.get('span') ?? '0');
  const selected = layout && selParam >= 0 && selParam < layout.spans.length ? selParam : 0;
  const select = (i: number) => setQuery({ span: String(i) }, true);
  const root = layout?.spans[0];

  const title = (
    <span><a href={href('/apm/traces', keep)}>Traces</a> / <span class="mono" data-testid="apm-trace-title">{id}</span></span>
  );
  if (trace.error) {
    const nf = trace.error instanceof ApiError && trace.error.status === 404;
    return (
      <Page title={title} tabs={APM_TABS} timePicker={false}>
        <ErrorBox error={trace.error} />
        {nf && <p class="hint">Traces are searched over the last 7 days. Spans take a few seconds to be stored after the agent receives them.</p>}
      </Page>
    );
  }
  if (!trace.data || !layout || !root) {
    return <Page title={title} tabs={APM_TABS} timePicker={false}><Loading /></Page>;
  }
  const doc = trace.data;
  const errorCount = layout.spans.filter((l) => l.span.error).length;
  const host = root.span.tags?.host;
  return (
    <Page title={title} tabs={APM_TABS} timePicker={false}
          actions={
            <>
              <a class="btn" data-testid="apm-trace-logs" href={href('/logs', { q: `trace_id:${doc.trace_id}` })}>Logs of this trace</a>
              {host && <a class="btn" data-testid="apm-trace-host" href={href(`/infra/hosts/${encodeURIComponent(host)}`)}>Host {host}</a>}
            </>
          }>
      <div class="apm-trace-head panel" data-testid="apm-trace-header">
        <div class="apm-trace-root">
          <span class="apm-dot" style={{ background: layout.colors.get(root.span.service) }} />
          <a href={serviceHref(root.span.service, keep)} data-testid="apm-trace-root-service">{root.span.service}</a>
          <span class="apm-trace-resource" data-testid="apm-trace-root-resource">{root.span.resource}</span>
          <StatusBadge error={errorCount > 0} status={errorCount > 0 ? 'error' : 'ok'} />
        </div>
        <div class="stats">
          <Stat label="Duration" value={formatDurationUs(doc.duration_us)} testId="apm-trace-duration" />
          <Stat label="Spans" value={<span data-testid="apm-trace-span-count">{layout.spans.length}</span>} />
          <Stat label="Services" value={layout.services.length} />
          <Stat label="Errors" value={errorCount} />
          <Stat label="Depth" value={layout.maxDepth + 1} />
          <Stat label="Started" value={<span class="apm-small">{formatLocal(doc.start_us / 1000)}</span>} />
        </div>
        <ServiceShares doc={doc} colors={layout.colors} />
      </div>
      <div class="apm-trace-body">
        <div class="apm-trace-main">
          <Panel testId="apm-trace-views" title={
            <nav class="apm-viewtabs">
              {VIEWS.map((x) => (
                <button key={x.v} class={`link ${view === x.v ? 'active' : ''}`} data-testid={`apm-view-${x.v}`}
                        onClick={() => setQuery({ view: x.v === 'flame' ? undefined : x.v }, true)}>{x.label}</button>
              ))}
            </nav>
          }>
            {view === 'flame' && <FlameGraph layout={layout} selected={selected} onSelect={select} />}
            {view === 'waterfall' && <Waterfall layout={layout} selected={selected} onSelect={select} />}
            {view === 'list' && <SpanList layout={layout} onSelect={select} />}
          </Panel>
        </div>
        <div class="apm-trace-side">
          <SpanDetails l={layout.spans[selected]} layout={layout} />
        </div>
      </div>
    </Page>
  );
}

function ServiceShares({ doc, colors }: { doc: TraceDoc; colors: Map<string, string> }) {
  if (!doc.services?.length) return null;
  return (
    <div class="apm-shares" title="Self time per service (share of the trace duration)">
      {doc.services.map((s) => (
        <span key={s.service} class="apm-share">
          <span class="apm-dot" style={{ background: colors.get(s.service) }} />
          {s.service} <span class="apm-muted">{formatDurationUs(s.self_us)} · {formatPercent(s.share)}</span>
        </span>
      ))}
    </div>
  );
}

function Waterfall({ layout, selected, onSelect }: { layout: TraceLayout; selected: number; onSelect: (i: number) => void }) {
  const rows = layout.spans.slice(0, MAX_ROWS);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="apm-waterfall" data-testid="apm-waterfall">
      <div class="apm-wf-row apm-wf-head">
        <div class="apm-wf-name">Span</div>
        <div class="apm-wf-track">
          {ticks.map((t) => (
            <span key={t} class="apm-wf-tick" style={{ left: `${t * 100}%` }}>{formatDurationUs(layout.total_us * t)}</span>
          ))}
        </div>
      </div>
      {rows.map((l) => {
        const bar = waterfallBar(l, layout.total_us);
        return (
          <div key={l.index} class={`apm-wf-row ${l.index === selected ? 'selected' : ''}`} data-testid="apm-wf-row"
               data-span-id={l.span.span_id} onClick={() => onSelect(l.index)}>
            <div class="apm-wf-name" style={{ paddingLeft: `${6 + l.depth * 14}px` }} title={`${l.span.service} ${l.span.resource}`}>
              <span class="apm-dot" style={{ background: layout.colors.get(l.span.service) }} />
              <b>{l.span.service}</b> <span class={l.span.error ? 'apm-err-text' : ''}>{l.span.resource}</span>
            </div>
            <div class="apm-wf-track">
              <div class="apm-wf-bar" style={{ left: `${bar.left}%`, width: `${bar.width}%`,
                                                background: layout.colors.get(l.span.service),
                                                outline: l.span.error ? '2px solid #dc2626' : undefined }} />
              <span class="apm-wf-dur" style={{ left: `${bar.left + bar.width}%` }}>{formatDurationUs(l.span.duration_us)}</span>
            </div>
          </div>
        );
      })}
      {layout.spans.length > MAX_ROWS && <div class="hint">First {MAX_ROWS} of {layout.spans.length} spans; the span list has all.</div>}
    </div>
  );
}

function SpanList({ layout, onSelect }: { layout: TraceLayout; onSelect: (i: number) => void }) {
  const cols: Column<LaidSpan>[] = [
    { key: 'start', title: 'Start', align: 'right', sort: (l) => l.offset_us, render: (l) => `+${formatDurationUs(l.offset_us)}` },
    { key: 'service', title: 'Service', sort: (l) => l.span.service,
      render: (l) => <span><span class="apm-dot" style={{ background: layout.colors.get(l.span.service) }} />{l.span.service}</span> },
    { key: 'resource', title: 'Resource', sort: (l) => l.span.resource, render: (l) => l.span.resource },
    { key: 'type', title: 'Type', sort: (l) => l.span.span_type ?? '', render: (l) => l.span.span_type ?? '' },
    { key: 'duration', title: 'Duration', align: 'right', sort: (l) => l.span.duration_us, render: (l) => formatDurationUs(l.span.duration_us) },
    { key: 'self', title: 'Self time', align: 'right', sort: (l) => l.self_us, render: (l) => formatDurationUs(l.self_us) },
    { key: 'status', title: 'Status', sort: (l) => l.span.status ?? '', render: (l) => <StatusBadge error={l.span.error} status={l.span.status} /> },
  ];
  return <Table columns={cols} rows={layout.spans} rowKey={(l) => String(l.index)} onRowClick={(l) => onSelect(l.index)}
                testId="apm-span-list" />;
}

const HIDDEN_TAGS = new Set(['service', 'status', 'span_type', 'source', 'operation']);

function SpanDetails({ l, layout }: { l?: LaidSpan; layout: TraceLayout }) {
  if (!l) return null;
  const s = l.span;
  const err = spanError(s.tags);
  const tags = Object.entries(s.tags ?? {}).filter(([k]) => !HIDDEN_TAGS.has(k)).sort(([a], [b]) => a.localeCompare(b));
  const parent = l.parent >= 0 ? layout.spans[l.parent] : undefined;
  const host = s.tags?.host;
  return (
    <Panel title="Span" testId="apm-span-details">
      <div class="apm-span-title">
        <span class="apm-dot" style={{ background: layout.colors.get(s.service) }} />
        <b data-testid="apm-span-service">{s.service}</b> <span data-testid="apm-span-resource">{s.resource}</span>
      </div>
      <div class="apm-fields">
        <Field label="Status"><StatusBadge error={s.error} status={s.status} /></Field>
        <Field label="Duration">{formatDurationUs(s.duration_us)}</Field>
        <Field label="Self time">{formatDurationUs(l.self_us)}</Field>
        <Field label="Start">+{formatDurationUs(l.offset_us)}</Field>
        <Field label="Span ID"><span class="mono">{s.span_id}</span></Field>
        <Field label="Parent">{parent ? <span class="mono" title={`${parent.span.service} ${parent.span.resource}`}>{s.parent_id}</span> : <span class="apm-muted">root</span>}</Field>
        <Field label="Type">{s.span_type || '–'}{s.entry && s.span_type !== 'entry' ? ' · request' : ''}</Field>
        <Field label="Source">{s.source || '–'}</Field>
        {s.env && <Field label="Env">{s.env}</Field>}
        {s.version && <Field label="Version">{s.version}</Field>}
        {host && <Field label="Host"><a href={href(`/infra/hosts/${encodeURIComponent(host)}`)} data-testid="apm-span-host">{host}</a></Field>}
      </div>
      {err && (
        <div class="apm-error" data-testid="apm-span-error">
          <div class="apm-error-title">{err.type ?? 'Error'}</div>
          {err.message && <div class="apm-error-msg">{err.message}</div>}
          {err.stack && <pre class="apm-error-stack">{err.stack}</pre>}
        </div>
      )}
      <h3 class="apm-subhead">Attributes</h3>
      <table class="table apm-tags" data-testid="apm-span-tags">
        <tbody>
          {tags.map(([k, v]) => (
            <tr key={k}><td class="apm-tag-key">{k}</td><td class="apm-tag-val">{v}</td></tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
