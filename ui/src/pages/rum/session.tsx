// /rum/sessions/:id: one session: its facts, replay segments and player (replay/), and a waterfall of its views
// with their actions, resources, long tasks and errors on a time axis.
import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { ApiError } from '../../lib/api';
import { formatBytes, formatNumber } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { currentToken } from '../../lib/session';
import { href, setQuery } from '../../lib/router';
import { formatLocal } from '../../lib/time';
import { Panel, Stat } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import type { PageProps } from '../../routes';
import { rumApi, rumParams, type SessionEvent } from './api';
import { RumPage, useRumQuery } from './common';
import { formatOffset, layoutTimeline, parseHidden, visibleRows, type EventType, type TimelineRow } from './timeline';
import { formatMs, formatVital, rate, VITALS } from './vitals';
import { ReplayPlayer } from './replay/Replay';

const TYPE_LABEL: Record<EventType, string> = {
  view: 'View', action: 'Action', resource: 'Resource', long_task: 'Long task', error: 'Error', other: 'Other',
};

function EventDetail({ e }: { e: SessionEvent }) {
  const rows: [string, string][] = [['Time', formatLocal(e.time)]];
  if (e.type === 'view') {
    if (e.view_url) rows.push(['URL', e.view_url]);
    for (const v of VITALS) {
      const x = e[v.key];
      if (typeof x === 'number') rows.push([v.label, formatVital(v.key, x) + (rate(v.key, x) ? ` (${rate(v.key, x) === 'ni' ? 'needs improvement' : rate(v.key, x)})` : '')]);
    }
    if (e.time_spent_ms !== undefined) rows.push(['Time spent', formatMs(e.time_spent_ms)]);
  } else {
    for (const [k, v] of Object.entries(e)) {
      if (['time', 'type', 'view_id', 'error_stack'].includes(k) || v === undefined || v === '') continue;
      rows.push([k, k === 'resource_size' ? formatBytes(Number(v)) : k.endsWith('_ms') ? formatMs(Number(v)) : String(v)]);
    }
  }
  return (
    <div class="rum-event-detail" data-testid="rum-event-detail">
      <table>
        <tbody>{rows.map(([k, v]) => <tr key={k}><th>{k}</th><td class="mono">{v}</td></tr>)}</tbody>
      </table>
      {e.error_stack && <pre>{e.error_stack}</pre>}
    </div>
  );
}

// Where a row's time label goes: after the bar, before it, or inside its end (a bar that spans
// the axis).
function timePlace(r: TimelineRow): 'after' | 'before' | 'inside' {
  if (r.left + r.width <= 80) return 'after';
  return r.left >= 20 ? 'before' : 'inside';
}

function timeStyle(r: TimelineRow): Record<string, string> {
  switch (timePlace(r)) {
    case 'after': return { left: `calc(${r.left + r.width}% + 6px)` };
    case 'before': return { right: `calc(${100 - r.left}% + 8px)` };
    default: return { right: `calc(${100 - r.left - r.width}% + 6px)` };
  }
}

function Waterfall({ rows, ticks }: { rows: TimelineRow[]; ticks: { offset: number; left: number }[] }) {
  const [open, setOpen] = useState<string | undefined>();
  return (
    <div class="rum-wf" data-testid="rum-timeline">
      <div class="rum-wf-row rum-wf-axis">
        <div class="rum-wf-label hint">Event</div>
        <div class="rum-wf-track">
          {ticks.map((t) => (
            <span key={t.offset} class="rum-wf-tick" style={{ left: `${t.left}%` }}>{formatOffset(t.offset)}</span>
          ))}
        </div>
      </div>
      {rows.map((r) => (
        <Fragment key={r.key}>
          <div class={`rum-wf-row rum-wf-${r.type} ${r.bad ? 'rum-wf-bad' : ''} ${open === r.key ? 'rum-wf-open' : ''}`}
               data-testid={`rum-tl-${r.type}`} data-label={r.label}
               onClick={() => setOpen(open === r.key ? undefined : r.key)}>
            <div class={`rum-wf-label ${r.depth ? 'rum-wf-child' : ''}`} title={r.label}>
              <span class={`rum-wf-type rum-t-${r.type}`}>{TYPE_LABEL[r.type]}</span>
              <span class="rum-wf-text">{r.label}</span>
              {r.detail && <span class="rum-wf-detail hint">{r.detail}</span>}
            </div>
            <div class="rum-wf-track">
              {ticks.map((t) => <span key={t.offset} class="rum-wf-grid" style={{ left: `${t.left}%` }} />)}
              <span class={`rum-wf-bar rum-b-${r.type} ${r.duration === 0 ? 'rum-wf-point' : ''}`}
                    style={{ left: `${r.left}%`, width: r.duration === 0 ? undefined : `${r.width}%` }}
                    title={`${formatOffset(r.offset)}${r.duration ? ` · ${formatMs(r.duration)}` : ''}`} />
              <span class={`rum-wf-time hint ${timePlace(r) === 'inside' ? 'rum-wf-inside' : ''}`} style={timeStyle(r)}>
                {r.duration ? formatMs(r.duration) : formatOffset(r.offset)}
              </span>
            </div>
          </div>
          {open === r.key && <EventDetail e={r.event} />}
        </Fragment>
      ))}
    </div>
  );
}

export function SessionPage({ params }: PageProps) {
  const id = params.id ?? '';
  const { loc, range, filters, deps } = useRumQuery();
  const hiddenQ = loc.query.get('hide') ?? '';
  const hidden = useMemo(() => parseHidden(hiddenQ), [hiddenQ]);
  const toggle = (t: EventType) => {
    const next = new Set(hidden);
    if (next.has(t)) next.delete(t);
    else next.add(t);
    setQuery({ hide: [...next].join(',') || undefined }, true);
  };
  const detail = useAsync((s) => rumApi.session(id, rumParams(range, {}), s), [id, ...deps]);
  const sessionId = id.split('#')[0];
  // Replay segments, asked for alongside the session: a session without a replay answers
  // {"segments": []} (the server finds the app holding the session).
  const replay = useAsync((s) => rumApi.replay(sessionId, {}, s), [sessionId]);
  const tl = useMemo(() => (detail.data ? layoutTimeline(detail.data) : undefined), [detail.data]);
  const rows = useMemo(() => (tl ? visibleRows(tl.rows, hidden) : []), [tl, hidden]);
  const back = href('/rum/sessions', { from: range.from, to: range.to, ...filters });

  let body;
  if (detail.error) {
    body = (
      <>
        <ErrorBox error={detail.error} />
        {detail.error instanceof ApiError && detail.error.status === 404 &&
          <div class="hint">The session has no event in the selected time range: widen it with the time picker.</div>}
      </>
    );
  } else if (!detail.data || !tl) body = <Loading />;
  else {
    const s = detail.data.session;
    // (The answer of the previous session while the new one loads is not this session's.)
    const segs = replay.data?.session_id === sessionId ? replay.data.segments : [];
    body = (
      <>
        <div class="stats rum-stats" data-testid="rum-session-stats">
          <Stat label="Start" value={<span class="rum-stat-small">{formatLocal(s.start)}</span>} />
          <Stat label="Duration" value={formatMs(s.duration_ms)} testId="rum-session-duration" />
          <Stat label="Views" value={formatNumber(s.view_count)} testId="rum-session-views" />
          <Stat label="Actions" value={formatNumber(s.action_count)} testId="rum-session-actions" />
          <Stat label="Resources" value={formatNumber(s.resource_count)} testId="rum-session-resources" />
          <Stat label="Long tasks" value={formatNumber(s.long_task_count)} />
          <Stat label="Errors" value={<span class={s.error_count ? 'rum-err-text' : ''}>{formatNumber(s.error_count)}</span>}
                testId="rum-session-errors" />
        </div>
        <Panel title="Session">
          <dl class="rum-facts" data-testid="rum-session-facts">
            <dt>Session id</dt><dd class="mono">{s.id}</dd>
            <dt>User</dt><dd class="mono">{s.userid || '–'}</dd>
            <dt>App</dt><dd>{s.app_id || '–'}</dd>
            <dt>Browser / OS</dt><dd>{[s.browser, s.os].filter(Boolean).join(' / ') || '–'}</dd>
            <dt>Country</dt><dd>{s.country || '–'}</dd>
            <dt>Pages</dt><dd class="mono">{s.first_view || '–'}{s.last_view && s.last_view !== s.first_view ? ` → ${s.last_view}` : ''}</dd>
            <dt>Replay</dt>
            <dd data-testid="rum-replay">
              {replay.error ? <span class="hint error">{replay.error.message}</span>
                : replay.data === undefined ? '…'
                : segs.length === 0 ? <span class="hint">No replay recorded</span> : (
                  <span>
                    {segs.length} segment{segs.length > 1 ? 's' : ''},{' '}
                    {formatNumber(segs.reduce((a, x) => a + (x.records_count ?? 0), 0))} records,{' '}
                    {formatBytes(segs.reduce((a, x) => a + x.size, 0))}:{' '}
                    {segs.map((g) => (
                      <a key={g.segment} class="rum-seg-link" target="_blank" rel="noopener"
                         title={`${formatLocal(g.start)} – ${formatLocal(g.end)} · ${g.creation_reason ?? ''}`}
                         href={`/v1/rum/replay/${encodeURIComponent(sessionId)}/${g.segment}?token=${encodeURIComponent(currentToken())}${replay.data?.app_id ? `&app_id=${encodeURIComponent(replay.data.app_id)}` : ''}`}>
                        #{g.segment}
                      </a>
                    ))}
                    <span class="hint"> (rrweb segments, deflate-compressed)</span>
                  </span>
                )}
            </dd>
          </dl>
        </Panel>
        {segs.length > 0 && (
          <Panel title="Replay" testId="rum-replay-panel">
            <ReplayPlayer sessionId={sessionId} appId={replay.data?.app_id ?? ''} segments={segs}
                          events={detail.data.events} />
          </Panel>
        )}
        <Panel title="Timeline" testId="rum-timeline-panel"
               actions={
                 <span class="rum-legend-types">
                   {(['view', 'action', 'resource', 'long_task', 'error'] as EventType[]).map((t) => (
                     <button key={t} class={`rum-legend-item ${hidden.has(t) ? 'rum-legend-off' : ''}`}
                             data-testid={`rum-count-${t}`} title={hidden.has(t) ? 'Show' : 'Hide'}
                             onClick={() => toggle(t)}>
                       <span class={`rum-wf-type rum-t-${t}`}>{TYPE_LABEL[t]}</span> {tl.counts[t]}
                     </button>
                   ))}
                 </span>
               }>
          <Waterfall rows={rows} ticks={tl.ticks} />
        </Panel>
      </>
    );
  }
  return (
    <RumPage title={<span><a href={back} class="rum-back">Sessions</a> / <span class="mono">{id}</span></span>}>
      {body}
    </RumPage>
  );
}
