// /rum/resources: resources grouped by URL path group and type: most requested, slowest (p75)
// or most failing (?sort=count|slowest|errors).
import { useMemo } from 'preact/hooks';
import { formatBytes, formatNumber, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { setQuery } from '../../lib/router';
import { Panel } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { rumApi, rumParams } from './api';
import { RumEmpty, RumPage, useRumQuery } from './common';
import { sortResources, type ResourceSort } from './shape';
import { formatMs } from './vitals';

const SORTS: { key: ResourceSort; label: string }[] = [
  { key: 'count', label: 'Most requested' },
  { key: 'slowest', label: 'Slowest (p75)' },
  { key: 'errors', label: 'Most errors' },
];

export function ResourcesPage() {
  const { loc, range, filters, deps } = useRumQuery();
  const sortQ = loc.query.get('sort');
  const sort: ResourceSort = sortQ === 'slowest' || sortQ === 'errors' ? sortQ : 'count';
  const type = loc.query.get('type') ?? '';
  const res = useAsync((s) => rumApi.resources(rumParams(range, filters, { limit: 1000 }), s), deps);
  const types = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of res.data?.resources ?? []) m.set(r.resource_type || '(none)', (m.get(r.resource_type || '(none)') ?? 0) + r.count);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  }, [res.data]);
  const rows = useMemo(() => {
    const all = res.data?.resources ?? [];
    return sortResources(type ? all.filter((r) => (r.resource_type || '(none)') === type) : all, sort);
  }, [res.data, sort, type]);
  const maxP75 = useMemo(() => Math.max(1, ...rows.map((r) => r.duration_ms?.p75 ?? 0)), [rows]);

  let body;
  if (res.error) body = <ErrorBox error={res.error} />;
  else if (!res.data) body = <Loading />;
  else if (res.data.resources.length === 0) body = <RumEmpty what="resources" />;
  else {
    body = (
      <>
        <div class="rum-types" data-testid="rum-resource-types">
          <button class={`btn small ${type === '' ? 'primary' : ''}`} onClick={() => setQuery({ type: undefined })}>
            All types
          </button>
          {types.map(([t, n]) => (
            <button key={t} class={`btn small ${type === t ? 'primary' : ''}`} onClick={() => setQuery({ type: t })}>
              {t} <span class="rum-count">{formatNumber(n)}</span>
            </button>
          ))}
        </div>
        <Panel title={`Resources (${rows.length})`} testId="rum-resources"
               actions={
                 <span class="rum-seg">
                   {SORTS.map((s) => (
                     <button key={s.key} class={`btn small ${s.key === sort ? 'primary' : ''}`}
                             data-testid={`rum-sort-${s.key}`}
                             onClick={() => setQuery({ sort: s.key === 'count' ? undefined : s.key })}>{s.label}</button>
                   ))}
                 </span>
               }>
          <table class="table" data-testid="rum-resources-table">
            <thead>
              <tr>
                <th>Resource</th><th>Type</th><th>Provider</th><th class="num">Requests</th>
                <th class="num">Errors</th><th class="num">Avg size</th><th class="num">p50</th>
                <th class="num">p75</th><th class="num">p99</th><th class="rum-col-bar">p75 duration</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.resource}|${r.resource_type}|${r.provider_type}|${r.provider_name}`}>
                  <td class="mono rum-ellipsis" title={r.resource}>{r.resource}</td>
                  <td>{r.resource_type || '–'}</td>
                  <td>{r.provider_type && r.provider_type !== 'unknown' ? r.provider_type : '–'}
                    {r.provider_name && r.provider_name !== 'unknown' ? ` (${r.provider_name})` : ''}</td>
                  <td class="num">{formatNumber(r.count)}</td>
                  <td class="num">{r.errors > 0
                    ? <span class="badge err" title={`${formatPercent(r.error_rate)} of requests`}>{formatNumber(r.errors)}</span>
                    : '0'}</td>
                  <td class="num">{formatBytes(r.avg_size)}</td>
                  <td class="num">{formatMs(r.duration_ms?.p50)}</td>
                  <td class="num">{formatMs(r.duration_ms?.p75)}</td>
                  <td class="num">{formatMs(r.duration_ms?.p99)}</td>
                  <td class="rum-col-bar">
                    <span class="rum-bar-track"><span class="rum-bar-fill"
                      style={{ width: `${((r.duration_ms?.p75 ?? 0) / maxP75) * 100}%` }} /></span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </>
    );
  }
  return <RumPage title="RUM resources">{body}</RumPage>;
}
