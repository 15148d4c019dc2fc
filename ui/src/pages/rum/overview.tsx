// /rum: PV, UV, sessions, error rate; traffic over time; top pages; browser / OS / country
// breakdowns; failing resources.
import { useMemo } from 'preact/hooks';
import { query } from '../../lib/api';
import { formatNumber, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { href, setQuery } from '../../lib/router';
import { Chart } from '../../components/Chart';
import { Panel, Stat } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { rumApi, rumParams } from './api';
import { RatingBadge, RumEmpty, RumPage, useRumQuery } from './common';
import { breakdown, trafficOption, type Share } from './shape';
import { formatVital, rate } from './vitals';

function dqlFilter(filters: Record<string, string>): string {
  const parts = Object.entries(filters).map(([k, v]) => `${k}='${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  return parts.length ? ` {${parts.join(' and ')}}` : '';
}

function Breakdown({ title, rows, tag, testId }: { title: string; rows?: Share[]; tag: string; testId: string }) {
  return (
    <Panel title={title} testId={testId}>
      {!rows ? <Loading /> : rows.length === 0 ? <div class="hint">No views</div> : (
        <ul class="rum-bars">
          {rows.map((r) => (
            <li key={r.name}>
              <button class="link rum-bar-name" title={`Filter by ${tag}=${r.name}`}
                      disabled={r.name === 'Other' || r.name === '(none)'}
                      onClick={() => setQuery({ [tag]: r.name })}>{r.name}</button>
              <span class="rum-bar-track"><span class="rum-bar-fill" style={{ width: `${r.ratio * 100}%` }} /></span>
              <span class="rum-bar-value">{formatNumber(r.value)} · {formatPercent(r.ratio, 0)}</span>
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

export function OverviewPage() {
  const { range, filters, deps } = useRumQuery();
  const overview = useAsync((s) => rumApi.overview(rumParams(range, filters), s), deps);
  const perf = useAsync((s) => rumApi.performance(rumParams(range, filters, { limit: 10 }), s), deps);
  const resources = useAsync((s) => rumApi.resources(rumParams(range, filters, { limit: 200 }), s), deps);
  const dims = useAsync(async () => {
    const f = dqlFilter(filters);
    const one = (tag: string) =>
      query('dql', `R::view:(count_distinct(view_id))${f} by ${tag}`, range, { slimit: 200 })
        .then((r) => breakdown(r.series, tag));
    const [browser, os, country] = await Promise.all([one('browser'), one('os'), one('country')]);
    return { browser, os, country };
  }, deps);
  const o = overview.data;
  const option = useMemo(() => (o ? trafficOption(o.series, o.interval) : undefined), [o]);
  const failing = useMemo(
    () => (resources.data?.resources ?? []).filter((r) => r.errors > 0)
      .sort((a, b) => b.errors - a.errors).slice(0, 8),
    [resources.data],
  );

  let body;
  if (overview.error) body = <ErrorBox error={overview.error} />;
  else if (!o) body = <Loading />;
  else if (o.pv === 0 && o.sessions === 0 && o.errors === 0) body = <RumEmpty />;
  else {
    body = (
      <>
        <div class="stats rum-stats" data-testid="rum-stats">
          <Stat label="Page views (PV)" value={formatNumber(o.pv)} testId="rum-stat-pv" />
          <Stat label="Unique visitors (UV)" value={formatNumber(o.uv)} testId="rum-stat-uv" />
          <Stat label="Sessions" value={formatNumber(o.sessions)} testId="rum-stat-sessions" />
          <Stat label="Session error rate" value={formatPercent(o.session_error_rate)} testId="rum-stat-error-rate" />
          <Stat label="Errors" value={formatNumber(o.errors)} testId="rum-stat-errors" />
          <Stat label="Errors per view" value={formatNumber(o.errors_per_view)} testId="rum-stat-errors-per-view" />
        </div>
        {o.truncated && <div class="hint">The numbers cover part of the range (scan limit reached).</div>}
        <Panel title="Traffic and errors">
          {option && <Chart option={option as any} height={240} testId="rum-traffic-chart" />}
        </Panel>
        <div class="rum-grid-2">
          <Panel title="Top pages" testId="rum-top-pages"
                 actions={<a href={href('/rum/performance', { from: range.from, to: range.to, ...filters })}>Performance →</a>}>
            {perf.error ? <ErrorBox error={perf.error} /> : !perf.data ? <Loading /> : (
              <table class="table">
                <thead><tr><th>Page</th><th class="num">Views</th><th class="num">LCP p75</th><th class="num">Load p75</th></tr></thead>
                <tbody>
                  {perf.data.pages.map((p) => (
                    <tr key={p.page}>
                      <td class="mono rum-ellipsis" title={p.page}>{p.page}</td>
                      <td class="num">{formatNumber(p.views)}</td>
                      <td class="num">
                        <RatingBadge rating={rate('largest_contentful_paint_ms', p.largest_contentful_paint_ms?.p75)} />
                        {formatVital('largest_contentful_paint_ms', p.largest_contentful_paint_ms?.p75)}
                      </td>
                      <td class="num">{formatVital('loading_time_ms', p.loading_time_ms?.p75)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
          <Panel title="Failing resources" testId="rum-failing-resources"
                 actions={<a href={href('/rum/resources', { from: range.from, to: range.to, sort: 'errors', ...filters })}>Resources →</a>}>
            {resources.error ? <ErrorBox error={resources.error} /> : !resources.data ? <Loading /> :
              failing.length === 0 ? <div class="hint">No resource answered with a status ≥ 400.</div> : (
              <table class="table">
                <thead><tr><th>Resource</th><th>Type</th><th class="num">Errors</th><th class="num">Error rate</th></tr></thead>
                <tbody>
                  {failing.map((r) => (
                    <tr key={`${r.resource}|${r.resource_type}|${r.provider_type}|${r.provider_name}`}>
                      <td class="mono rum-ellipsis" title={r.resource}>{r.resource}</td>
                      <td>{r.resource_type}</td>
                      <td class="num">{formatNumber(r.errors)}</td>
                      <td class="num"><span class="badge err">{formatPercent(r.error_rate)}</span></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Panel>
        </div>
        {dims.error ? <ErrorBox error={dims.error} /> : (
          <div class="rum-grid-3">
            <Breakdown title="Browsers" tag="browser" rows={dims.data?.browser} testId="rum-browsers" />
            <Breakdown title="Operating systems" tag="os" rows={dims.data?.os} testId="rum-os" />
            <Breakdown title="Countries" tag="country" rows={dims.data?.country} testId="rum-countries" />
          </div>
        )}
      </>
    );
  }
  return <RumPage title="RUM">{body}</RumPage>;
}
