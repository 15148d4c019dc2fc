// The RUM area's frame and shared bits: tabs, the app / env / version pickers (kept in the
// URL), the empty state that says how to send RUM data, rating badges.
import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { query } from '../../lib/api';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import { Page } from '../../components/Page';
import { agentHint, Empty } from '../../components/States';
import { filtersOf } from './api';
import { appChoices, type AppChoices } from './shape';
import { RATING_LABEL, type Rating } from './vitals';

export const TABS = [
  { path: '/rum', label: 'Overview' },
  { path: '/rum/performance', label: 'Performance' },
  { path: '/rum/resources', label: 'Resources' },
  { path: '/rum/errors', label: 'Errors' },
  { path: '/rum/sessions', label: 'Sessions' },
];

// The range, filters and refresh tick every RUM page loads with.
export function useRumQuery() {
  const loc = useLocation();
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const filters = filtersOf(loc.query);
  const fkey = JSON.stringify(filters);
  const stable = useMemo(() => filters, [fkey]); // eslint-disable-line react-hooks/exhaustive-deps
  return { loc, range, tick, filters: stable, deps: [range.from, range.to, fkey, tick] as unknown[] };
}

// App, env and version pickers: the values R::view holds in the range (the selected value stays
// listed even when the range has none).
export function RumFilters() {
  const { range, filters, tick } = useRumQuery();
  const apps = useAsync(
    () => query('dql', 'R::view:(count(*)) by app_id, env, version', range, { slimit: 1000 })
      .then((r) => appChoices(r.series)),
    [range.from, range.to, tick],
  );
  const choices: AppChoices = apps.data ?? { apps: [], envs: [], versions: [] };
  const select = (key: string, label: string, values: string[], testId: string) => {
    const cur = filters[key] ?? '';
    const all = cur && !values.includes(cur) ? [cur, ...values] : values;
    return (
      <label class="rum-filter">
        <span>{label}</span>
        <select data-testid={testId} value={cur}
                onChange={(e) => setQuery({ [key]: (e.target as HTMLSelectElement).value, offset: undefined })}>
          <option value="">All</option>
          {all.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      </label>
    );
  };
  return (
    <div class="rum-filters">
      {select('app_id', 'App', choices.apps, 'rum-app')}
      {select('env', 'Env', choices.envs, 'rum-env')}
      {select('version', 'Version', choices.versions, 'rum-version')}
      {(['browser', 'os', 'country'] as const).filter((k) => filters[k]).map((k) => (
        <span key={k} class="badge rum-chip">
          {k}={filters[k]}{' '}
          <button class="link" title="Remove filter" onClick={() => setQuery({ [k]: undefined })}>×</button>
        </span>
      ))}
    </div>
  );
}

export function RumPage({ title, children }: { title: ComponentChildren; children: ComponentChildren }) {
  return (
    <Page title={title} tabs={TABS} actions={<RumFilters />}>
      <div class="rum">{children}</div>
    </Page>
  );
}

export function RumEmpty({ what = 'RUM data' }: { what?: string }) {
  const agent = `${location.hostname}:9529`;
  return (
    <Empty title={`No ${what} in this time range`}>
      <p>
        Enable the RUM input on the agent (<code>conf.d/rum.conf</code>: <code>[[inputs.rum]]</code>) and
        point the Guance browser SDK at the agent, which must be reachable from the users' browsers:
      </p>
      <pre class="rum-snippet">{`DATAFLUX_RUM.init({
  datakitOrigin: 'http://${agent}',  // the agent's HTTP API (/v1/write/rum)
  applicationId: 'my_web_app',
  env: 'production',
  version: '1.0.0',
  service: 'my-web',
  trackInteractions: true,
  sessionReplaySampleRate: 100,
})`}</pre>
      <p class="hint">
        Any client can also POST line protocol to <code>/v1/write/rum?precision=ms</code> on the agent
        (measurements <code>view</code>, <code>resource</code>, <code>action</code>, <code>long_task</code>,
        <code>error</code>, each with an <code>app_id</code> tag). Widen the time range or clear the filters
        if data was sent earlier.
      </p>
      {agentHint()}
    </Empty>
  );
}

export function RatingBadge({ rating }: { rating?: Rating }) {
  if (!rating) return null;
  return <span class={`rum-rating rum-${rating}`} title={RATING_LABEL[rating]} />;
}
