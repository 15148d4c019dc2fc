// /ci/pipelines/:id: one pipeline: header (project, ref, commit, author, status, duration, who
// triggered it), the stages → jobs flow (a column per stage, a box per job colored by status),
// the gantt of job timings, the stage table (jobs, duration, exec time and share) and the raw
// webhook body. Jobs come from Job Hook events (GET /v1/ci/pipelines/:id); a pipeline without
// them shows the `builds` of its Pipeline Hook body.
import { useMemo } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { Page, Panel } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { Table } from '../../components/Table';
import { formatAgo, formatPercent } from '../../lib/format';
import { useAsync, useRefreshTick } from '../../lib/hooks';
import { parseTime, type TimeRange } from '../../lib/time';
import type { PageProps } from '../../routes';
import { CI_TABS, CiEmpty, StatusBadge, formatWhen, useCiHref } from './common';
import { fetchEventRaw, fetchPipeline, useCiRange } from './data';
import { STATUS_COLORS, commitUrl, firstLine, formatMs, ganttOf, jobUrl, parseEventRaw, projectUrl,
         shortSha, stagesFromJobs, statusClass, type Gantt, type Stage } from './model';

const DAY = 86_400_000;

const CLASS_COLORS: Record<string, string> = {
  ok: STATUS_COLORS.success, err: STATUS_COLORS.failed, warn: STATUS_COLORS.canceled,
  run: STATUS_COLORS.running, idle: '#9ca3af',
};

function ganttOption(g: Gantt) {
  const labels = g.rows.map((r) => r.label);
  const render = (params: any, api: any) => {
    const row = api.value(0);
    const a = api.coord([api.value(1), row]);
    const b = api.coord([api.value(2), row]);
    const h = api.size([0, 1])[1] * (params.seriesName === 'queued' ? 0.3 : 0.6);
    return {
      type: 'rect',
      shape: { x: a[0], y: a[1] - h / 2, width: Math.max(2, b[0] - a[0]), height: h, r: 2 },
      style: api.style(),
    };
  };
  const item = (i: number, span: [number, number], color: string) => ({
    value: [i, span[0] / 1000, span[1] / 1000],
    itemStyle: { color },
  });
  const run = g.rows.flatMap((r, i) => (r.run ? [item(i, r.run, CLASS_COLORS[statusClass(r.status)])] : []));
  const queued = g.rows.flatMap((r, i) => (r.queued ? [item(i, r.queued, '#d1d5db')] : []));
  return {
    animation: false,
    grid: { left: 200, right: 24, top: 8, bottom: 28 },
    tooltip: {
      formatter: (p: any) => {
        const r = g.rows[p.value[0]];
        const d = (p.value[2] - p.value[1]) * 1000;
        return `<b>${r.label}</b><br/>${p.seriesName === 'queued' ? 'queued' : r.status}: ${formatMs(d)}` +
          `<br/>from +${formatMs(p.value[1] * 1000)}`;
      },
    },
    xAxis: { type: 'value', min: 0, max: Math.max(1, g.end / 1000), axisLabel: { formatter: (v: number) => (v ? `+${formatMs(v * 1000)}` : '0') },
             splitLine: { lineStyle: { color: '#eef0f3' } } },
    yAxis: { type: 'category', data: labels, inverse: true, axisTick: { show: false },
             axisLabel: { width: 180, overflow: 'truncate' } },
    series: [
      { name: 'queued', type: 'custom', renderItem: render, encode: { x: [1, 2], y: 0 }, data: queued },
      { name: 'run', type: 'custom', renderItem: render, encode: { x: [1, 2], y: 0 }, data: run },
    ],
  };
}

function Flow({ stages, pipelineUrl, ciHref }: { stages: Stage[]; pipelineUrl: string; ciHref: ReturnType<typeof useCiHref> }) {
  return (
    <div class="ci-flow" data-testid="ci-flow">
      {stages.map((s, i) => (
        <div class="ci-stage" key={s.name} data-testid="ci-stage" data-stage={s.name} data-status={s.status}>
          <div class="ci-stage-head">
            <span class={`ci-dot ci-${statusClass(s.status)}`} />
            <strong>{s.name}</strong>
            <span class="hint">{s.duration_ms ? formatMs(s.duration_ms) : ''}</span>
          </div>
          {s.jobs.map((j) => {
            const ext = jobUrl(pipelineUrl, j.build_id);
            return (
              <div key={j.build_id} class={`ci-job ci-${statusClass(j.build_status)}`} data-testid="ci-job"
                   data-job={j.build_name} data-status={j.build_status}
                   title={`${j.build_name}: ${j.build_status}${j.build_failure_reason && j.build_status === 'failed' ? ` (${j.build_failure_reason})` : ''}`}>
                <div class="ci-job-main">
                  <StatusBadge status={j.build_status} />
                  <a class="ci-job-name" href={ciHref('/ci/jobs', { pipeline_id: j.pipeline_id, name: j.build_name })}>{j.build_name}</a>
                  {ext && <a class="ci-ext" href={ext} target="_blank" rel="noreferrer" title="Open the job in GitLab">↗</a>}
                </div>
                <div class="ci-job-meta">
                  <span>{j.duration_us ? formatMs(j.duration_us / 1000) : '—'}</span>
                  {j.runner_id && <span class="hint">runner {j.runner_id}</span>}
                </div>
                {j.build_status === 'failed' && j.build_failure_reason && (
                  <div class="ci-job-reason">{j.build_failure_reason}</div>
                )}
              </div>
            );
          })}
          {i < stages.length - 1 && <span class="ci-arrow" aria-hidden="true">→</span>}
        </div>
      ))}
    </div>
  );
}

function Attr({ label, children, testId }: { label: string; children: any; testId?: string }) {
  return (
    <div class="ci-attr" data-testid={testId}>
      <div class="ci-attr-label">{label}</div>
      <div class="ci-attr-value">{children}</div>
    </div>
  );
}

export function PipelineDetail({ params }: PageProps) {
  const id = params.id;
  const range = useCiRange();
  const tick = useRefreshTick();
  const ciHref = useCiHref();
  // The server looks 30 days back by default; a wider picked range is passed on.
  const wide: TimeRange = useMemo(() => {
    const from = parseTime(range.from);
    return from !== undefined && from < Date.now() - 30 * DAY ? range : { from: 'now-30d', to: 'now' };
  }, [range.from, range.to]);
  const detail = useAsync((signal) => {
    const q: Record<string, string> = {};
    if (wide.from !== 'now-30d') {
      const from = parseTime(wide.from);
      const to = parseTime(wide.to);
      if (from !== undefined && to !== undefined) {
        q.start = String(from);
        q.end = String(to);
      }
    }
    return fetchPipeline(id, q, signal);
  }, [id, JSON.stringify(wide), tick]);
  const raw = useAsync(() => fetchEventRaw(id, wide).catch(() => undefined), [id, JSON.stringify(wide), tick]);

  const shaped = useMemo(() => {
    const d = detail.data;
    if (!d) return undefined;
    const body = raw.data ? parseEventRaw(raw.data, id) : undefined;
    const fromBuilds = d.stages.length === 0 && !!body?.builds.length;
    const stages = fromBuilds ? stagesFromJobs(body!.builds, body!.stages) : d.stages;
    const jobs = stages.flatMap((s) => s.jobs);
    return {
      p: d.pipeline,
      events: d.events,
      body,
      fromBuilds,
      stages,
      jobs,
      failed: jobs.filter((j) => j.build_status === 'failed').length,
      gantt: ganttOf(stages, d.pipeline?.created_at ?? 0),
    };
  }, [detail.data, raw.data, id]);
  const gantt = useMemo(() => (shaped ? ganttOption(shaped.gantt) : undefined), [shaped]);

  const p = shaped?.p;
  const title = (
    <span class="ci-title">
      Pipeline #{id} {p && <StatusBadge status={p.ci_status} testId="pipeline-status" />}
    </span>
  );
  const notFound = (detail.error as any)?.status === 404;
  return (
    <Page title={title} tabs={CI_TABS} actions={<a class="btn" href={ciHref('/ci/pipelines')}>‹ All pipelines</a>}>
      {detail.error && !notFound && <ErrorBox error={detail.error} />}
      {notFound && (
        <Panel>
          <CiEmpty title={`Pipeline #${id} not found`}
                   detail={<>The server says: <em>{detail.error!.message}</em>. The detail looks 30 days back (or over the
                     picked range when it is longer); check the id, or widen the range.</>} />
        </Panel>
      )}
      {!detail.data && !detail.error && <Loading />}
      {shaped && (
        <>
          <Panel testId="pipeline-header">
            {p ? (
              <>
                <div class="ci-commit-title" data-testid="pipeline-commit-message">{firstLine(p.commit_message) || '(no commit message)'}</div>
                <div class="ci-attrs">
                  <Attr label="Project" testId="pipeline-project">
                    {projectUrl(p.pipeline_url) ? <a href={projectUrl(p.pipeline_url)} target="_blank" rel="noreferrer">{p.pipeline_name}</a> : p.pipeline_name}
                    {p.resource && p.resource !== p.pipeline_name && <span class="hint"> · {p.resource}</span>}
                  </Attr>
                  <Attr label="Ref" testId="pipeline-ref"><span class="ci-ref">{p.ref}</span></Attr>
                  <Attr label="Commit" testId="pipeline-sha">
                    {commitUrl(p.pipeline_url, p.commit_sha)
                      ? <a href={commitUrl(p.pipeline_url, p.commit_sha)} target="_blank" rel="noreferrer"><code>{shortSha(p.commit_sha)}</code></a>
                      : <code>{shortSha(p.commit_sha)}</code>}
                  </Attr>
                  <Attr label="Author" testId="pipeline-author">{shaped.body?.commitAuthor || p.author_email || '—'}</Attr>
                  <Attr label="Triggered by" testId="pipeline-trigger">
                    {shaped.body?.triggeredBy || '—'} <span class="badge">{p.pipeline_source || 'unknown source'}</span>
                  </Attr>
                  <Attr label="Duration" testId="pipeline-duration">{formatMs(p.duration_us / 1000)}
                    {p.queued_duration_ms > 0 && <span class="hint"> (queued {formatMs(p.queued_duration_ms)})</span>}</Attr>
                  <Attr label="Created">{p.created_at ? <span title={formatWhen(p.created_at)}>{formatAgo(p.created_at)}</span> : '—'}</Attr>
                  <Attr label="Finished">{p.finished_at ? <span title={formatWhen(p.finished_at)}>{formatAgo(p.finished_at)}</span> : '—'}</Attr>
                </div>
                {shaped.body?.mergeRequest && (
                  <div class="hint ci-mr">
                    Merge request: <a href={shaped.body.mergeRequest.url} target="_blank" rel="noreferrer">{shaped.body.mergeRequest.title}</a>
                    {' '}({shaped.body.mergeRequest.source} → {shaped.body.mergeRequest.target})
                  </div>
                )}
                <div class="ci-links">
                  {p.pipeline_url && <a href={p.pipeline_url} target="_blank" rel="noreferrer">Open in GitLab ↗</a>}
                  <a href={ciHref('/ci/jobs', { pipeline_id: id })} data-testid="pipeline-jobs-link">All {shaped.jobs.length} jobs of this pipeline</a>
                  <span class="hint">{shaped.events} webhook event{shaped.events === 1 ? '' : 's'}</span>
                </div>
              </>
            ) : (
              <div class="hint">Only job events of this pipeline were received (no Pipeline Hook): enable
                <em> Pipeline events</em> on the GitLab webhook.</div>
            )}
          </Panel>
          <Panel title={<>Stages <span class="hint">{shaped.stages.length} stages · {shaped.jobs.length} jobs{shaped.failed ? ` · ${shaped.failed} failed` : ''}</span></>}
                 actions={shaped.fromBuilds ? <span class="hint">from the Pipeline Hook's builds (no Job Hook events)</span> : undefined}
                 testId="pipeline-flow">
            {shaped.stages.length ? <Flow stages={shaped.stages} pipelineUrl={p?.pipeline_url ?? ''} ciHref={ciHref} />
              : <div class="hint ci-none">No jobs received for this pipeline: enable <em>Job events</em> on the GitLab webhook.</div>}
          </Panel>
          {shaped.gantt.rows.some((r) => r.run) && gantt && (
            <Panel title="Job timeline" testId="pipeline-gantt" actions={<span class="hint"><span class="ci-legend-q" /> queued <span class="ci-legend-r" /> running</span>}>
              <Chart option={gantt} height={Math.max(120, shaped.gantt.rows.length * 30 + 40)} testId="ci-gantt-chart" />
            </Panel>
          )}
          {shaped.stages.length > 0 && (
            <Panel title="Stage summary">
              <Table<Stage> testId="stage-table" rows={shaped.stages} rowKey={(s) => s.name} columns={[
                { key: 'name', title: 'Stage', render: (s) => <strong>{s.name}</strong> },
                { key: 'status', title: 'Status', render: (s) => <StatusBadge status={s.status} /> },
                { key: 'jobs', title: 'Jobs', align: 'right', render: (s) => (
                  <>{s.job_count}{s.jobs.some((j) => j.build_status === 'failed') &&
                    <span class="ci-bad"> ({s.jobs.filter((j) => j.build_status === 'failed').length} failed)</span>}</>) },
                { key: 'duration', title: 'Wall time', align: 'right', render: (s) => formatMs(s.duration_ms) },
                { key: 'exec', title: 'Exec time', align: 'right', render: (s) => formatMs(s.exec_us / 1000) },
                { key: 'ratio', title: 'Exec %', align: 'right', render: (s) => (
                  <div class="ci-barcell"><span class="ci-barcell-track"><span class="ci-bar ci-bar-blue" style={{ width: `${s.exec_ratio * 100}%` }} /></span><span>{formatPercent(s.exec_ratio)}</span></div>) },
              ]} />
            </Panel>
          )}
          {raw.data && (
            <Panel>
              <details class="ci-raw">
                <summary>Webhook body (latest Pipeline Hook)</summary>
                <pre>{(() => { try { return JSON.stringify(JSON.parse(raw.data), null, 2); } catch { return raw.data; } })()}</pre>
              </details>
            </Panel>
          )}
        </>
      )}
    </Page>
  );
}
