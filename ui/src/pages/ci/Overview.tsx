// /ci: the CI overview over finished pipelines in the range: counts, success rate, median / p95
// duration (GET /v1/ci/overview), runs by status and the duration trend over time, failures by
// project and by branch, the top failing jobs and the recent failed pipelines.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Page, Panel, Stat } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { Table, type Column } from '../../components/Table';
import { formatAgo, formatPercent } from '../../lib/format';
import { useAsync, useRefreshTick } from '../../lib/hooks';
import { useLocation } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import { CI_TABS, CiEmpty, FilterBar, StatusBadge, formatWhen, useCiHref } from './common';
import { fetchAll, fetchJobs, fetchOverview, fetchPipelines, useCiRange } from './data';
import { STATUS_COLORS, bucketRuns, daysToBuckets, durationAxisStep, failuresBy, firstLine, formatMs, readFilters,
         topFailingJobs, type FailingJob, type FailureGroup, type Pipeline, type RunBuckets } from './model';

const OVERVIEW_FILTERS = ['project', 'ref', 'author'] as const;

function runsOption(b: RunBuckets) {
  const series = (['success', 'failed', 'canceled'] as const).map((s) => ({
    name: s,
    type: 'bar',
    stack: 'runs',
    barMaxWidth: 28,
    itemStyle: { color: STATUS_COLORS[s] },
    data: b.times.map((t, i) => [t, b[s][i]]),
  }));
  return {
    animation: false,
    grid: { left: 40, right: 16, top: 16, bottom: 48 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { bottom: 0 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  };
}

function durationOption(b: RunBuckets) {
  const sec = (v: number | null) => (v === null ? null : v / 1e6);
  const max = Math.max(1, ...b.p95_us.map((v) => (v === null ? 0 : v / 1e6)));
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '—' : formatMs(v * 1000)) },
    legend: { bottom: 0 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', interval: durationAxisStep(max), axisLabel: { formatter: (v: number) => (v ? formatMs(v * 1000) : '0') } },
    series: [
      { name: 'median', type: 'line', connectNulls: true, showSymbol: true, symbolSize: 5,
        itemStyle: { color: '#2563eb' }, data: b.times.map((t, i) => [t, sec(b.p50_us[i])]) },
      { name: 'p95', type: 'line', connectNulls: true, showSymbol: true, symbolSize: 5, lineStyle: { type: 'dashed' },
        itemStyle: { color: '#9333ea' }, data: b.times.map((t, i) => [t, sec(b.p95_us[i])]) },
    ],
  };
}

function FailureTable({ rows, label, testId, link }: {
  rows: FailureGroup[]; label: string; testId: string; link: (key: string) => string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.failed));
  const cols: Column<FailureGroup>[] = [
    { key: 'key', title: label, sort: (r) => r.key, render: (r) => <a href={link(r.key)}>{r.key}</a> },
    { key: 'failed', title: 'Failed', align: 'right', sort: (r) => r.failed, render: (r) => (
      <div class="ci-barcell">
        <span class="ci-barcell-track"><span class="ci-bar" style={{ width: `${(r.failed / max) * 100}%` }} /></span>
        <span>{r.failed}</span>
      </div>) },
    { key: 'runs', title: 'Runs', align: 'right', sort: (r) => r.runs, render: (r) => r.runs },
    { key: 'rate', title: 'Failure rate', align: 'right', sort: (r) => r.rate, render: (r) => formatPercent(r.rate) },
  ];
  if (!rows.length) return <div class="hint ci-none">No finished pipelines.</div>;
  return <Table testId={testId} columns={cols} rows={rows.slice(0, 10)} rowKey={(r) => r.key} />;
}

export function Overview() {
  const loc = useLocation();
  const range = useCiRange();
  const tick = useRefreshTick();
  const ciHref = useCiHref();
  const filters = readFilters(loc.query, OVERVIEW_FILTERS);
  const key = JSON.stringify([range, filters, tick]);

  const data = useAsync(async (signal) => {
    const [start, end] = resolveRange(range);
    const params = { ...filters, start: String(start), end: String(end) };
    // The server finds a project's jobs by the pipeline's path too, and the ref through the
    // pipelines. A job's user is who ran it, not the commit author: with an author filter the
    // failed jobs are matched to the filtered pipelines by pipeline id.
    const jobParams: Record<string, string> = { start: String(start), end: String(end), status: 'failed' };
    if (filters.project) jobParams.project = filters.project;
    if (filters.ref) jobParams.ref = filters.ref;
    const [overview, pipelines, failedJobs] = await Promise.all([
      fetchOverview(params, signal),
      fetchAll((p) => fetchPipelines(p, signal), params),
      fetchAll((p) => fetchJobs(p, signal), jobParams, 1),
    ]);
    return { overview, pipelines, failedJobs, start, end };
  }, [key]);
  const facetRows = useAsync((signal) => {
    const [start, end] = resolveRange(range);
    return fetchPipelines({ start: String(start), end: String(end), limit: '1000' }, signal);
  }, [JSON.stringify(range), tick]);

  const shaped = useMemo(() => {
    if (!data.data) return undefined;
    const { overview, pipelines, failedJobs, start, end } = data.data;
    const complete = pipelines.rows.length >= pipelines.total;
    const buckets = complete ? bucketRuns(pipelines.rows, start, end) : daysToBuckets(overview.days);
    const rows = pipelines.rows;
    const pipelineIds = new Set(rows.map((p) => p.pipeline_id));
    return {
      overview,
      complete,
      buckets,
      running: rows.filter((p) => p.ci_status === 'running' || p.ci_status === 'pending').length,
      byProject: failuresBy(rows, (p) => p.pipeline_name),
      byRef: failuresBy(rows, (p) => p.ref),
      topJobs: topFailingJobs(filters.author
        ? failedJobs.rows.filter((j) => pipelineIds.has(j.pipeline_id)) : failedJobs.rows),
      recentFailed: rows.filter((p) => p.ci_status === 'failed')
        .sort((a, b) => (b.finished_at || b.time) - (a.finished_at || a.time)).slice(0, 8),
      runsOption: runsOption(buckets),
      durationOption: durationOption(buckets),
    };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data.data]);

  const choices = useMemo(() => {
    const rows = facetRows.data?.items ?? [];
    const uniq = (f: (p: Pipeline) => string) => [...new Set(rows.map(f).filter(Boolean))].sort();
    return { project: uniq((p) => p.pipeline_name), ref: uniq((p) => p.ref), author: uniq((p) => p.author_email) };
  }, [facetRows.data]);

  const listLink = (extra: Record<string, string>) => ciHref('/ci/pipelines', { ...filters, ...extra });
  const o = shaped?.overview;
  return (
    <Page title="CI overview" tabs={CI_TABS}>
      <FilterBar values={filters} defs={[
        { key: 'project', label: 'Project', options: choices.project },
        { key: 'ref', label: 'Branch / tag', options: choices.ref },
        { key: 'author', label: 'Author', options: choices.author },
      ]} />
      {data.error && <ErrorBox error={data.error} />}
      {!data.data && !data.error && <Loading />}
      {shaped && o && o.runs === 0 && shaped.running === 0 && <Panel><CiEmpty filtered={Object.keys(filters).length > 0} /></Panel>}
      {shaped && o && (o.runs > 0 || shaped.running > 0) && (
        <>
          <div class="stats ci-stats">
            <Stat testId="stat-runs" label="Finished pipelines" value={<a href={listLink({})}>{o.runs}</a>} />
            <Stat testId="stat-success-rate" label={`Success rate (${o.success} passed)`}
                  value={<span class={o.success_rate >= 0.9 ? 'ci-good' : o.success_rate >= 0.7 ? 'ci-meh' : 'ci-bad'}>{formatPercent(o.success_rate)}</span>} />
            <Stat testId="stat-failed" label="Failed" value={<a class={o.failed ? 'ci-bad' : ''} href={listLink({ status: 'failed' })}>{o.failed}</a>} />
            <Stat testId="stat-canceled" label="Canceled" value={<a href={listLink({ status: 'canceled' })}>{o.canceled}</a>} />
            <Stat testId="stat-p50" label="Median duration" value={formatMs(o.duration_p50_us / 1000)} />
            <Stat testId="stat-p95" label="P95 duration" value={formatMs(o.duration_p95_us / 1000)} />
            <Stat testId="stat-running" label="Running now" value={<a href={listLink({ status: 'running' })}>{shaped.running}</a>} />
          </div>
          <div class="grid ci-grid2">
            <Panel title="Runs by status" testId="chart-runs"
                   actions={<span class="hint">{shaped.complete ? `per ${formatMs(shaped.buckets.step)}` : 'per day'}</span>}>
              <Chart option={shaped.runsOption} height={240} testId="ci-runs-chart" />
            </Panel>
            <Panel title="Duration trend" testId="chart-duration"
                   actions={<span class="hint">median and p95 of finished runs</span>}>
              <Chart option={shaped.durationOption} height={240} testId="ci-duration-chart" />
            </Panel>
          </div>
          <div class="grid ci-grid2">
            <Panel title="Failures by project">
              <FailureTable rows={shaped.byProject} label="Project" testId="failures-by-project"
                            link={(k) => listLink({ project: k, status: 'failed' })} />
            </Panel>
            <Panel title="Failures by branch">
              <FailureTable rows={shaped.byRef} label="Branch / tag" testId="failures-by-ref"
                            link={(k) => listLink({ ref: k, status: 'failed' })} />
            </Panel>
          </div>
          <div class="grid ci-grid2">
            <Panel title="Top failing jobs">
              {shaped.topJobs.length === 0 ? <div class="hint ci-none">No failed jobs.</div> : (
                <Table<FailingJob> testId="top-failing-jobs" rows={shaped.topJobs} rowKey={(j) => `${j.project}/${j.stage}/${j.name}`}
                  columns={[
                    { key: 'name', title: 'Job', render: (j) => (
                      <a href={ciHref('/ci/jobs', { project: j.project, stage: j.stage, name: j.name, status: 'failed' })}>{j.name}</a>) },
                    { key: 'stage', title: 'Stage', render: (j) => <span class="badge">{j.stage}</span> },
                    { key: 'project', title: 'Project', render: (j) => j.project },
                    { key: 'reasons', title: 'Failure reasons', render: (j) => <span class="ci-reason">{j.reasons.join(', ') || '—'}</span> },
                    { key: 'count', title: 'Failures', align: 'right', render: (j) => j.count },
                  ]} />
              )}
            </Panel>
            <Panel title="Recent failed pipelines">
              {shaped.recentFailed.length === 0 ? <div class="hint ci-none">No failed pipelines.</div> : (
                <Table<Pipeline> testId="recent-failed" rows={shaped.recentFailed} rowKey={(p) => p.pipeline_id}
                  onRowClick={(p) => { location.hash = ciHref(`/ci/pipelines/${encodeURIComponent(p.pipeline_id)}`); }}
                  columns={[
                    { key: 'status', title: '', render: (p) => <StatusBadge status={p.ci_status} /> },
                    { key: 'id', title: 'Pipeline', render: (p) => <a href={ciHref(`/ci/pipelines/${encodeURIComponent(p.pipeline_id)}`)}>#{p.pipeline_id}</a> },
                    { key: 'project', title: 'Project', render: (p) => p.pipeline_name },
                    { key: 'ref', title: 'Ref', render: (p) => <span class="ci-ref">{p.ref}</span> },
                    { key: 'msg', title: 'Commit', render: (p) => <span class="ci-commit-msg">{firstLine(p.commit_message)}</span> },
                    { key: 'when', title: 'Finished', render: (p) => <span title={formatWhen(p.finished_at)}>{formatAgo(p.finished_at || p.time)}</span> },
                  ]} />
              )}
            </Panel>
          </div>
          {!shaped.complete && (
            <div class="hint">More than 5000 pipelines in the range: the charts show
              the server's daily aggregates and the tables the newest 5000 pipelines.</div>
          )}
        </>
      )}
    </Page>
  );
}
