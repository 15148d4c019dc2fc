// Pieces the CI pages share: tabs, status badges, the filter bar (state in the URL), the pager,
// links that keep the time range, and the "how to send CI data" empty state.
import type { ComponentChildren } from 'preact';
import { Empty } from '../../components/States';
import { href, setQuery, useLocation } from '../../lib/router';
import { statusClass } from './model';

export const CI_TABS = [
  { path: '/ci', label: 'Overview' },
  { path: '/ci/pipelines', label: 'Pipelines' },
  { path: '/ci/jobs', label: 'Jobs' },
];

const ICONS: Record<string, string> = { ok: '✓', err: '✕', warn: '⊘', run: '◔', idle: '○' };

export function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const c = statusClass(status);
  return (
    <span class={`ci-status ci-${c}`} data-testid={testId} data-status={status}>
      <span class="ci-status-icon" aria-hidden="true">{ICONS[c]}</span>
      {status || 'unknown'}
    </span>
  );
}

// A link to a CI route that keeps the current time range and refresh.
export function useCiHref(): (path: string, extra?: Record<string, string>) => string {
  const loc = useLocation();
  return (path, extra = {}) => {
    const q: Record<string, string> = {};
    for (const k of ['from', 'to', 'refresh']) {
      const v = loc.query.get(k);
      if (v) q[k] = v;
    }
    return href(path, { ...q, ...extra });
  };
}

export interface FilterDef {
  key: string;
  label: string;
  options: string[];
  format?: (v: string) => string;
}

// One select per filter; the value lives in the URL query (changing one resets the page).
export function FilterBar({ defs, values, children }: {
  defs: FilterDef[];
  values: Record<string, string>;
  children?: ComponentChildren;
}) {
  const any = defs.some((d) => values[d.key]);
  return (
    <div class="ci-filters" data-testid="ci-filters">
      {defs.map((d) => {
        const v = values[d.key] ?? '';
        const opts = v && !d.options.includes(v) ? [v, ...d.options] : d.options;
        return (
          <label key={d.key} class={`ci-filter ${v ? 'set' : ''}`}>
            <span>{d.label}</span>
            <select data-testid={`filter-${d.key}`} value={v}
                    onChange={(e) => setQuery({ [d.key]: (e.target as HTMLSelectElement).value, page: undefined })}>
              <option value="">All</option>
              {opts.map((o) => <option key={o} value={o}>{d.format ? d.format(o) : o}</option>)}
            </select>
          </label>
        );
      })}
      {children}
      {any && (
        <button class="link" data-testid="filters-clear"
                onClick={() => setQuery({ ...Object.fromEntries(defs.map((d) => [d.key, undefined])), page: undefined })}>
          Clear filters
        </button>
      )}
    </div>
  );
}

export function Pager({ total, page, size }: { total: number; page: number; size: number }) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (total <= size) return <div class="ci-pager hint" data-testid="pager">{total} {total === 1 ? 'row' : 'rows'}</div>;
  return (
    <div class="ci-pager" data-testid="pager">
      <span class="hint">{page * size + 1}–{Math.min(total, (page + 1) * size)} of {total}</span>
      <button class="btn small" disabled={page <= 0} onClick={() => setQuery({ page: page - 1 ? String(page - 1) : undefined })}>‹ Prev</button>
      <span class="hint">page {page + 1} / {pages}</span>
      <button class="btn small" disabled={page + 1 >= pages} onClick={() => setQuery({ page: String(page + 1) })}>Next ›</button>
    </div>
  );
}

// The empty state of the CI pages: how GitLab's webhooks reach the agent.
export function CiEmpty({ title = 'No CI events in this time range', filtered = false, detail }: {
  title?: string; filtered?: boolean; detail?: ComponentChildren;
}) {
  if (filtered) {
    return (
      <Empty title="Nothing matches these filters">
        <p>Clear a filter or widen the time range.</p>
      </Empty>
    );
  }
  return (
    <Empty title={title}>
      {detail && <p class="ci-empty-detail">{detail}</p>}
      <div class="ci-howto">
        <p>Pipelines and jobs come from GitLab webhooks received by an agent's <code>gitlab</code> input.
          Enable it on the agent (<code>conf.d/gitlab.conf</code>):</p>
        <pre>{`[[inputs.gitlab]]
  enable_collect = false
  enable_ci_visibility = true
  ## keep running / pending / canceled too, to follow pipelines live
  ci_all_statuses = true`}</pre>
        <p>Then in GitLab, <em>Settings → Webhooks</em>: URL <code>http://&lt;agent&gt;:9529/v1/gitlab</code>,
          triggers <em>Pipeline events</em> and <em>Job events</em>. The agent forwards to this server
          (<code>ENV_DATAWAY=http://{location.host}?token=&lt;token&gt;</code>).</p>
      </div>
    </Empty>
  );
}

// "12 Nov 10:04" style local time, or "—".
export function formatWhen(ms: number): string {
  if (!ms) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
