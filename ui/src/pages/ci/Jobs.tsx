// /ci/jobs: the job list (latest state of each job) with filters in the URL (project, stage,
// status, runner; pipeline_id and name from links), duration and failure reason.
import { useMemo } from 'preact/hooks';
import { Page, Panel } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { formatAgo } from '../../lib/format';
import { useAsync, useRefreshTick } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import { CI_TABS, CiEmpty, FilterBar, Pager, StatusBadge, formatWhen, useCiHref } from './common';
import { fetchJobs, useCiRange } from './data';
import { CLIENT_LIMIT, JOB_FILTERS, JOB_STATUSES, PAGE_SIZE, facets, formatMs, listParams, readFilters,
         type Job } from './model';

export function Jobs() {
  const loc = useLocation();
  const range = useCiRange();
  const tick = useRefreshTick();
  const ciHref = useCiHref();
  const filters = readFilters(loc.query, JOB_FILTERS);
  const page = Math.max(0, Number(loc.query.get('page') ?? 0) || 0);
  const key = JSON.stringify([range, filters, page, tick]);

  const list = useAsync((signal) => fetchJobs(listParams(filters, resolveRange(range), page), signal), [key]);
  const facetRows = useAsync((signal) => {
    const [start, end] = resolveRange(range);
    return fetchJobs({ start: String(start), end: String(end), limit: String(CLIENT_LIMIT) }, signal);
  }, [JSON.stringify(range), tick]);
  const choices = useMemo(() => facets(facetRows.data?.items ?? [], {
    project: (j) => j.project_name,
    stage: (j) => j.build_stage,
    status: (j) => j.build_status,
    runner: (j) => j.runner_id,
  }), [facetRows.data]);

  const columns: Column<Job>[] = useMemo(() => [
    { key: 'status', title: 'Status', sort: (j) => j.build_status, render: (j) => <StatusBadge status={j.build_status} /> },
    { key: 'name', title: 'Job', sort: (j) => j.build_name,
      render: (j) => <span class="ci-jobname"><strong>{j.build_name}</strong> <span class="hint">#{j.build_id}</span></span> },
    { key: 'stage', title: 'Stage', sort: (j) => j.build_stage, render: (j) => <span class="badge">{j.build_stage}</span> },
    { key: 'pipeline', title: 'Pipeline', sort: (j) => Number(j.pipeline_id) || 0,
      render: (j) => <a href={ciHref(`/ci/pipelines/${encodeURIComponent(j.pipeline_id)}`)}>#{j.pipeline_id}</a> },
    { key: 'project', title: 'Project', sort: (j) => j.project_name, render: (j) => j.project_name },
    { key: 'runner', title: 'Runner', sort: (j) => j.runner_id, render: (j) => j.runner_id || '—' },
    { key: 'duration', title: 'Duration', align: 'right', sort: (j) => j.duration_us, render: (j) => formatMs(j.duration_us / 1000) },
    { key: 'queued', title: 'Queued', align: 'right', sort: (j) => j.queued_duration_us, render: (j) => formatMs(j.queued_duration_us / 1000) },
    { key: 'reason', title: 'Failure reason', sort: (j) => j.build_failure_reason,
      render: (j) => (j.build_status === 'failed' && j.build_failure_reason
        ? <span class="ci-reason" data-testid="failure-reason">{j.build_failure_reason}</span>
        : <span class="hint">—</span>) },
    { key: 'started', title: 'Started', sort: (j) => j.started_at,
      render: (j) => <span title={formatWhen(j.started_at)}>{j.started_at ? formatAgo(j.started_at) : '—'}</span> },
  // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [loc.query.get('from'), loc.query.get('to')]);

  const filtered = Object.keys(filters).length > 0;
  return (
    <Page title="CI jobs" tabs={CI_TABS}>
      <FilterBar values={filters} defs={[
        { key: 'project', label: 'Project', options: choices.project },
        { key: 'stage', label: 'Stage', options: choices.stage },
        { key: 'status', label: 'Status', options: [...new Set([...JOB_STATUSES, ...choices.status])] },
        { key: 'runner', label: 'Runner', options: choices.runner },
      ]}>
        {(['pipeline_id', 'name'] as const).filter((k) => filters[k]).map((k) => (
          <span key={k} class="ci-chip" data-testid={`chip-${k}`}>
            {k === 'pipeline_id' ? `pipeline #${filters[k]}` : `job ${filters[k]}`}
            <button class="link" title="Remove" onClick={() => setQuery({ [k]: undefined, page: undefined })}>×</button>
          </span>
        ))}
      </FilterBar>
      <Panel testId="jobs-panel">
        {list.error && <ErrorBox error={list.error} />}
        {!list.data && !list.error && <Loading />}
        {list.data && list.data.items.length === 0 && <CiEmpty filtered={filtered} />}
        {list.data && list.data.items.length > 0 && (
          <>
            <Table testId="jobs-table" columns={columns} rows={list.data.items} rowKey={(j) => j.build_id} />
            <Pager total={list.data.total} page={page} size={PAGE_SIZE} />
          </>
        )}
      </Panel>
    </Page>
  );
}
