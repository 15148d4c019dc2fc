// /rum/errors: error groups (type, normalised message, first stack frame) with counts, affected
// sessions, first/last seen; a row opens its newest sample's stack (?error=<key>).
import { Fragment } from 'preact';
import { useMemo } from 'preact/hooks';
import { formatAgo, formatNumber } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { href, setQuery } from '../../lib/router';
import { formatLocal } from '../../lib/time';
import { Chart } from '../../components/Chart';
import { Panel } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { rumApi, rumParams } from './api';
import { RumEmpty, RumPage, useRumQuery } from './common';
import { errorKey, errorTitle } from './shape';

export function ErrorsPage() {
  const { loc, range, filters, deps } = useRumQuery();
  const open = loc.query.get('error') ?? '';
  const errors = useAsync((s) => rumApi.errors(rumParams(range, filters, { limit: 500 }), s), deps);
  const overview = useAsync((s) => rumApi.overview(rumParams(range, filters), s), deps);
  const option = useMemo(() => {
    const o = overview.data;
    if (!o) return undefined;
    return {
      animation: false,
      grid: { left: 40, right: 16, top: 12, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time', min: o.start, max: o.end },
      yAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: [{ name: 'Errors', type: 'bar', color: '#dc2626', barMaxWidth: 14,
                 data: o.series.map((p) => [p.time + o.interval / 2, p.errors]) }],
    };
  }, [overview.data]);
  const groups = errors.data?.errors ?? [];
  const total = groups.reduce((a, g) => a + g.count, 0);

  let body;
  if (errors.error) body = <ErrorBox error={errors.error} />;
  else if (!errors.data) body = <Loading />;
  else if (groups.length === 0) body = <RumEmpty what="errors" />;
  else {
    body = (
      <>
        <Panel title={`Errors over time (${formatNumber(total)})`}>
          {overview.error ? <ErrorBox error={overview.error} /> :
            option ? <Chart option={option as any} height={140} /> : <Loading />}
        </Panel>
        <Panel title={`Error groups (${groups.length})`} testId="rum-error-groups">
          <table class="table" data-testid="rum-errors-table">
            <thead>
              <tr><th>Error</th><th>Source</th><th class="num">Count</th><th class="num">Sessions</th>
                <th>First seen</th><th>Last seen</th></tr>
            </thead>
            <tbody>
              {groups.map((g) => {
                const key = errorKey(g);
                const isOpen = key === open;
                return (
                  <Fragment key={key}>
                    <tr class="clickable" data-testid="rum-error-row"
                        onClick={() => setQuery({ error: isOpen ? undefined : key }, true)}>
                      <td>
                        <div class="rum-error-title">{isOpen ? '▾ ' : '▸ '}{errorTitle(g)}</div>
                        {g.first_frame && <div class="mono hint rum-ellipsis" title={g.first_frame}>{g.first_frame}</div>}
                      </td>
                      <td>{g.sample?.error_source ?? '–'}</td>
                      <td class="num"><span class="badge err">{formatNumber(g.count)}</span></td>
                      <td class="num">{formatNumber(g.sessions)}</td>
                      <td title={formatLocal(g.first_seen)}>{formatAgo(g.first_seen)}</td>
                      <td title={formatLocal(g.last_seen)}>{formatAgo(g.last_seen)}</td>
                    </tr>
                    {isOpen && (
                      <tr class="rum-error-detail">
                        <td colSpan={6}>
                          <div class="hint">Newest sample</div>
                          <pre data-testid="rum-error-stack">{g.sample?.error_stack || g.sample?.error_message || '(no stack)'}</pre>
                          {g.sample?.error_stack && g.sample?.error_message && (
                            <div class="hint">Message: <span class="mono">{g.sample.error_message}</span></div>
                          )}
                          <a href={href('/rum/sessions', { from: range.from, to: range.to, has_error: 'true', ...filters })}>
                            Sessions with errors →
                          </a>
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </Panel>
      </>
    );
  }
  return <RumPage title="RUM errors">{body}</RumPage>;
}
