// /ci/pipelines: the pipeline list (latest state of each pipeline) with filters in the URL
// (project, ref, status, author, source); a row opens the pipeline.
import { useMemo } from 'preact/hooks';
import { Page, Panel } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { formatAgo } from '../../lib/format';
import { useAsync, useRefreshTick } from '../../lib/hooks';
import { useLocation } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import { CI_TABS, CiEmpty, FilterBar, Pager, StatusBadge, formatWhen, useCiHref } from './common';
import { fetchPipelines, useCiRange } from './data';
import { CLIENT_LIMIT, PAGE_SIZE, PIPELINE_FILTERS, PIPELINE_STATUSES, SOURCES, facets, firstLine, formatMs,
         listParams, readFilters, shortSha, type Pipeline } from './model';

export function Pipelines() {
  const loc = useLocation();
  const range = useCiRange();
  const tick = useRefreshTick();
  const ciHref = useCiHref();
  const filters = readFilters(loc.query, PIPELINE_FILTERS);
  const page = Math.max(0, Number(loc.query.get('page') ?? 0) || 0);
  const key = JSON.stringify([range, filters, page, tick]);

  const list = useAsync((signal) => fetchPipelines(listParams(filters, resolveRange(range), page), signal), [key]);
  // The filters' choices: the values seen in the range (newest 1000 pipelines).
  const facetRows = useAsync((signal) => {
    const [start, end] = resolveRange(range);
    return fetchPipelines({ start: String(start), end: String(end), limit: String(CLIENT_LIMIT) }, signal);
  }, [JSON.stringify(range), tick]);
  const choices = useMemo(() => facets(facetRows.data?.items ?? [], {
    project: (p) => p.pipeline_name,
    ref: (p) => p.ref,
    author: (p) => p.author_email,
    source: (p) => p.pipeline_source,
    status: (p) => p.ci_status,
  }), [facetRows.data]);

  const columns: Column<Pipeline>[] = useMemo(() => [
    { key: 'status', title: 'Status', render: (p) => <StatusBadge status={p.ci_status} />, sort: (p) => p.ci_status },
    { key: 'id', title: 'Pipeline', sort: (p) => Number(p.pipeline_id) || 0,
      render: (p) => <a href={ciHref(`/ci/pipelines/${encodeURIComponent(p.pipeline_id)}`)} data-testid="pipeline-link"
                        onClick={(e) => e.stopPropagation()}>#{p.pipeline_id}</a> },
    { key: 'project', title: 'Project', sort: (p) => p.pipeline_name,
      render: (p) => <span title={p.resource}>{p.pipeline_name}</span> },
    { key: 'ref', title: 'Ref', sort: (p) => p.ref, render: (p) => <span class="ci-ref">{p.ref}</span> },
    { key: 'commit', title: 'Commit', render: (p) => (
      <div class="ci-commit">
        <code>{shortSha(p.commit_sha)}</code> <span class="ci-commit-msg" title={p.commit_message}>{firstLine(p.commit_message)}</span>
      </div>) },
    { key: 'author', title: 'Author', sort: (p) => p.author_email, render: (p) => p.author_email },
    { key: 'source', title: 'Source', sort: (p) => p.pipeline_source, render: (p) => <span class="badge">{p.pipeline_source || '—'}</span> },
    { key: 'duration', title: 'Duration', align: 'right', sort: (p) => p.duration_us, render: (p) => formatMs(p.duration_us / 1000) },
    { key: 'queued', title: 'Queued', align: 'right', sort: (p) => p.queued_duration_ms, render: (p) => formatMs(p.queued_duration_ms) },
    { key: 'created', title: 'Created', sort: (p) => p.created_at,
      render: (p) => <span title={formatWhen(p.created_at)}>{p.created_at ? formatAgo(p.created_at) : '—'}</span> },
  // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [loc.query.get('from'), loc.query.get('to')]);

  const filtered = Object.keys(filters).length > 0;
  return (
    <Page title="CI pipelines" tabs={CI_TABS}>
      <FilterBar values={filters} defs={[
        { key: 'project', label: 'Project', options: choices.project },
        { key: 'ref', label: 'Branch / tag', options: choices.ref },
        { key: 'status', label: 'Status', options: [...new Set([...PIPELINE_STATUSES, ...choices.status])] },
        { key: 'author', label: 'Author', options: choices.author },
        { key: 'source', label: 'Source', options: [...new Set([...choices.source, ...SOURCES])] },
      ]} />
      <Panel testId="pipelines-panel">
        {list.error && <ErrorBox error={list.error} />}
        {!list.data && !list.error && <Loading />}
        {list.data && list.data.items.length === 0 && <CiEmpty filtered={filtered} />}
        {list.data && list.data.items.length > 0 && (
          <>
            <Table testId="pipelines-table" columns={columns} rows={list.data.items} rowKey={(p) => p.pipeline_id}
                   onRowClick={(p) => { location.hash = ciHref(`/ci/pipelines/${encodeURIComponent(p.pipeline_id)}`); }} />
            <Pager total={list.data.total} page={page} size={PAGE_SIZE} />
          </>
        )}
      </Panel>
    </Page>
  );
}
