// /rum/sessions: sessions newest first (?has_error=, ?userid=, ?offset= paging); a row opens
// the session's timeline.
import { useState } from 'preact/hooks';
import { formatNumber } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { navigate, setQuery } from '../../lib/router';
import { formatLocal } from '../../lib/time';
import { Panel } from '../../components/Page';
import { Table, type Column } from '../../components/Table';
import { ErrorBox, Loading } from '../../components/States';
import { rumApi, rumParams, sessionPath, type SessionSummary } from './api';
import { RumEmpty, RumPage, useRumQuery } from './common';
import { formatMs } from './vitals';

const PAGE = 50;

const COLUMNS: Column<SessionSummary>[] = [
  { key: 'start', title: 'Start', render: (s) => <span class="rum-nowrap">{formatLocal(s.start)}</span>, sort: (s) => s.start },
  { key: 'id', title: 'Session', render: (s) => <span class="mono rum-nowrap" title={s.id}>{s.id.length > 14 ? `${s.id.slice(0, 13)}…` : s.id}</span> },
  { key: 'user', title: 'User', render: (s) => <span class="rum-ellipsis rum-user" title={s.userid}>{s.userid || '–'}</span> },
  { key: 'app', title: 'App', render: (s) => s.app_id || '–' },
  { key: 'pages', title: 'Entry → exit', render: (s) => (
    <span class="mono">{s.first_view || '–'}{s.last_view && s.last_view !== s.first_view ? ` → ${s.last_view}` : ''}</span>
  ) },
  { key: 'duration', title: 'Duration', align: 'right', render: (s) => formatMs(s.duration_ms), sort: (s) => s.duration_ms },
  { key: 'views', title: 'Views', align: 'right', render: (s) => formatNumber(s.view_count), sort: (s) => s.view_count },
  { key: 'actions', title: 'Actions', align: 'right', render: (s) => formatNumber(s.action_count), sort: (s) => s.action_count },
  { key: 'resources', title: 'Resources', align: 'right', render: (s) => formatNumber(s.resource_count), sort: (s) => s.resource_count },
  { key: 'errors', title: 'Errors', align: 'right', sort: (s) => s.error_count,
    render: (s) => (s.error_count > 0 ? <span class="badge err">{formatNumber(s.error_count)}</span> : '0') },
  { key: 'env', title: 'Browser / OS', render: (s) => <span class="rum-nowrap">{[s.browser, s.os].filter(Boolean).join(' / ') || '–'}</span> },
  { key: 'country', title: 'Country', render: (s) => s.country || '–' },
];

export function SessionsPage() {
  const { loc, range, filters, deps } = useRumQuery();
  const hasError = loc.query.get('has_error') ?? '';
  const userid = loc.query.get('userid') ?? '';
  const offset = Math.max(0, Number(loc.query.get('offset')) || 0);
  const [user, setUser] = useState(userid);
  const res = useAsync(
    (s) => rumApi.sessions(rumParams(range, filters, {
      has_error: hasError || undefined, userid: userid || undefined, limit: PAGE, offset,
    }), s),
    [...deps, hasError, userid, offset],
  );
  const d = res.data;
  const keep: Record<string, string> = {};
  for (const [k, v] of loc.query.entries()) if (['from', 'to', 'refresh'].includes(k) || k in filters) keep[k] = v;

  let body;
  if (res.error) body = <ErrorBox error={res.error} />;
  else if (!d) body = <Loading />;
  else if (d.total === 0 && !hasError && !userid) body = <RumEmpty what="sessions" />;
  else {
    body = (
      <Panel title={`Sessions (${formatNumber(d.total)})`} testId="rum-sessions"
             actions={
               <span class="rum-pager">
                 <span class="hint">{d.total === 0 ? 0 : offset + 1}–{Math.min(offset + PAGE, d.total)} of {d.total}</span>
                 <button class="btn small" disabled={offset === 0}
                         onClick={() => setQuery({ offset: offset - PAGE > 0 ? String(offset - PAGE) : undefined })}>‹ Newer</button>
                 <button class="btn small" disabled={offset + PAGE >= d.total}
                         onClick={() => setQuery({ offset: String(offset + PAGE) })}>Older ›</button>
               </span>
             }>
        {d.sessions.length === 0 ? <div class="state">No session matches.</div> : (
          <Table columns={COLUMNS} rows={d.sessions} rowKey={(s) => s.id} testId="rum-sessions-table"
                 onRowClick={(s) => navigate(sessionPath(s.id), keep)} />
        )}
      </Panel>
    );
  }
  return (
    <RumPage title="RUM sessions">
      <div class="rum-toolbar">
        <label class="rum-filter">
          <span>Errors</span>
          <select data-testid="rum-has-error" value={hasError}
                  onChange={(e) => setQuery({ has_error: (e.target as HTMLSelectElement).value, offset: undefined })}>
            <option value="">All sessions</option>
            <option value="true">With errors</option>
            <option value="false">Without errors</option>
          </select>
        </label>
        <form class="rum-filter" onSubmit={(e) => { e.preventDefault(); setQuery({ userid: user.trim(), offset: undefined }); }}>
          <span>User</span>
          <input data-testid="rum-userid" placeholder="userid" value={user}
                 onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
        </form>
      </div>
      {body}
    </RumPage>
  );
}
