// The CI area's data shaping (no DOM): the answers of /v1/ci/* (docs/api/ci.md), status classes,
// filters in the URL, facets, the overview's time buckets and failure groupings, the pipeline
// detail's stage flow and gantt offsets, and what the stored webhook body (event_raw) adds.

export interface Pipeline {
  pipeline_id: string;
  pipeline_name: string; // project path "group/project"
  resource: string; // project name
  ref: string;
  ci_status: string;
  pipeline_source: string;
  commit_sha: string;
  commit_message: string;
  author_email: string;
  pipeline_url: string;
  repository_url: string;
  duration_us: number;
  queued_duration_ms: number;
  created_at: number; // ms, 0: unknown
  finished_at: number;
  time: number; // receive time of the latest event
}

export interface Job {
  build_id: string;
  build_name: string;
  build_stage: string;
  build_status: string;
  build_failure_reason: string;
  pipeline_id: string;
  project_id: string;
  project_name: string;
  sha: string;
  user_email: string;
  runner_id: string;
  commit_message: string;
  duration_us: number;
  queued_duration_us: number;
  created_at: number;
  started_at: number;
  finished_at: number;
  time: number;
}

export interface Stage {
  name: string;
  status: string;
  job_count: number;
  started_at: number;
  finished_at: number;
  duration_ms: number;
  exec_us: number;
  exec_ratio: number;
  jobs: Job[];
}

export interface PipelineDetail {
  pipeline: Pipeline | null;
  events: number;
  stages: Stage[];
}

export interface RunStats {
  runs: number;
  success: number;
  failed: number;
  canceled: number;
  success_rate: number;
  duration_p50_us: number;
  duration_p90_us: number;
  duration_p95_us: number;
}

export interface Overview extends RunStats {
  start: number;
  end: number;
  days: (RunStats & { day: string; start: number })[];
  projects: (RunStats & { project: string; days: (RunStats & { day: string; start: number })[] })[];
}

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

// ---- statuses ----

export type StatusClass = 'ok' | 'err' | 'warn' | 'run' | 'idle';

// success → ok; failed → err; canceled / manual → warn; running / pending → run; else idle.
export function statusClass(status: string): StatusClass {
  switch (status) {
    case 'success':
    case 'passed':
      return 'ok';
    case 'failed':
      return 'err';
    case 'canceled':
    case 'cancelled':
    case 'manual':
      return 'warn';
    case 'running':
    case 'pending':
    case 'preparing':
    case 'waiting_for_resource':
      return 'run';
    default:
      return 'idle'; // created, skipped, scheduled, ''
  }
}

export const STATUS_COLORS: Record<string, string> = {
  success: '#16a34a',
  failed: '#dc2626',
  canceled: '#d97706',
  running: '#2563eb',
};

export const FINISHED = ['success', 'failed', 'canceled'];
export const PIPELINE_STATUSES = ['success', 'failed', 'canceled', 'running', 'pending', 'created',
  'skipped', 'manual'];
export const JOB_STATUSES = ['success', 'failed', 'canceled', 'running', 'pending', 'created',
  'skipped', 'manual'];
export const SOURCES = ['push', 'merge_request_event', 'schedule', 'web', 'api', 'trigger',
  'pipeline', 'parent_pipeline', 'external'];

// ---- filters (URL query keys) ----

export const PIPELINE_FILTERS = ['project', 'ref', 'status', 'author', 'source'] as const;
export const JOB_FILTERS = ['project', 'stage', 'status', 'runner', 'name', 'pipeline_id'] as const;
// The most rows one request returns (the server's largest `limit`): the filters' choices and
// the overview's tables read up to a few of these.
export const CLIENT_LIMIT = 1000;
export const PAGE_SIZE = 50;

export type Filters = Record<string, string>;

// The set filters among `keys` from a URL query.
export function readFilters(query: URLSearchParams, keys: readonly string[]): Filters {
  const out: Filters = {};
  for (const k of keys) {
    const v = query.get(k);
    if (v) out[k] = v;
  }
  return out;
}

// The server's query parameters for a list: the filters (the server takes them all), the range
// and the page.
export function listParams(f: Filters, range: [number, number], page: number): Record<string, string> {
  return {
    start: String(range[0]), end: String(range[1]), ...f,
    limit: String(PAGE_SIZE), offset: String(Math.max(0, page) * PAGE_SIZE),
  };
}

// Distinct non-empty values of some keys over rows, sorted (the filters' choices).
export function facets<T>(rows: T[], keys: Record<string, (r: T) => string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, f] of Object.entries(keys)) {
    const s = new Set<string>();
    for (const r of rows) {
      const v = f(r);
      if (v) s.add(v);
    }
    out[k] = [...s].sort();
  }
  return out;
}

// ---- overview ----

// Nearest-rank percentile (as the server): the value at rank ceil(p/100 × n); 0 when empty.
export function nearestRank(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.floor((p * s.length + 99) / 100)); // ceil(p/100 · n), in integers as the server
  return s[Math.min(rank, s.length) - 1];
}

// The time that places a pipeline in the overview: finished_at, else the receive time.
export function runTime(p: Pipeline): number {
  return p.finished_at > 0 ? p.finished_at : p.time;
}

const STEPS_MS = [60_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000, 604_800_000];

// A bucket width giving at most about `max` buckets over [from, to].
export function bucketStep(from: number, to: number, max = 48): number {
  const raw = (to - from) / max;
  return STEPS_MS.find((s) => s >= raw) ?? STEPS_MS[STEPS_MS.length - 1];
}

export interface RunBuckets {
  step: number;
  times: number[]; // bucket starts (aligned to the step, epoch based)
  success: number[];
  failed: number[];
  canceled: number[];
  p50_us: (number | null)[];
  p95_us: (number | null)[];
}

// Finished pipelines (success, failed, canceled) counted per status and bucket of their
// runTime over [from, to], with the p50/p95 run duration per bucket (null without runs).
export function bucketRuns(rows: Pipeline[], from: number, to: number, step = bucketStep(from, to)): RunBuckets {
  const first = Math.floor(from / step) * step;
  const n = Math.max(1, Math.floor((to - first) / step) + 1);
  const b: RunBuckets = {
    step,
    times: Array.from({ length: n }, (_, i) => first + i * step),
    success: new Array(n).fill(0),
    failed: new Array(n).fill(0),
    canceled: new Array(n).fill(0),
    p50_us: new Array(n).fill(null),
    p95_us: new Array(n).fill(null),
  };
  const durations: number[][] = Array.from({ length: n }, () => []);
  for (const r of rows) {
    if (!FINISHED.includes(r.ci_status)) continue;
    const t = runTime(r);
    if (t < from || t > to) continue;
    const i = Math.floor((t - first) / step);
    if (i < 0 || i >= n) continue;
    (b as any)[r.ci_status][i]++;
    durations[i].push(r.duration_us);
  }
  durations.forEach((d, i) => {
    if (d.length) {
      b.p50_us[i] = nearestRank(d, 50);
      b.p95_us[i] = nearestRank(d, 95);
    }
  });
  return b;
}

export interface FailureGroup {
  key: string;
  runs: number;
  failed: number;
  rate: number; // failed / runs
}

// Finished pipelines grouped by a key, the ones with failures first (most failures, then the
// highest failure rate, then the key).
export function failuresBy(rows: Pipeline[], key: (p: Pipeline) => string): FailureGroup[] {
  const m = new Map<string, FailureGroup>();
  for (const r of rows) {
    if (!FINISHED.includes(r.ci_status)) continue;
    const k = key(r) || '(none)';
    const g = m.get(k) ?? { key: k, runs: 0, failed: 0, rate: 0 };
    g.runs++;
    if (r.ci_status === 'failed') g.failed++;
    m.set(k, g);
  }
  const out = [...m.values()];
  for (const g of out) g.rate = g.runs ? g.failed / g.runs : 0;
  out.sort((a, b) => b.failed - a.failed || b.rate - a.rate || a.key.localeCompare(b.key));
  return out;
}

export interface FailingJob {
  name: string;
  stage: string;
  project: string;
  count: number;
  reasons: string[];
  last: number; // latest finish (or receive) time
}

// Failed jobs grouped by project, stage and name, most failures first.
export function topFailingJobs(jobs: Job[], limit = 10): FailingJob[] {
  const m = new Map<string, FailingJob & { rs: Set<string> }>();
  for (const j of jobs) {
    if (j.build_status !== 'failed') continue;
    const k = `${j.project_name}\u0000${j.build_stage}\u0000${j.build_name}`;
    const g = m.get(k) ?? { name: j.build_name, stage: j.build_stage, project: j.project_name, count: 0,
      reasons: [], last: 0, rs: new Set<string>() };
    g.count++;
    if (j.build_failure_reason) g.rs.add(j.build_failure_reason);
    g.last = Math.max(g.last, j.finished_at || j.time);
    m.set(k, g);
  }
  return [...m.values()]
    .map(({ rs, ...g }) => ({ ...g, reasons: [...rs].sort() }))
    .sort((a, b) => b.count - a.count || b.last - a.last || a.name.localeCompare(b.name))
    .slice(0, limit);
}

// ---- pipeline detail ----

export interface GanttRow {
  id: string;
  label: string; // "stage · job"
  stage: string;
  status: string;
  queued: [number, number] | null; // offsets (ms from the base): created → started
  run: [number, number] | null; // started → finished (running jobs: → now)
}

export interface Gantt {
  base: number; // ms: the pipeline's creation (or the earliest job time)
  end: number; // offset of the last finish
  rows: GanttRow[];
}

// Job timings as offsets from the pipeline start, in stage order (then the jobs' own order).
// Jobs that never started have no bars; a running job's bar ends at `now`.
export function ganttOf(stages: Stage[], pipelineCreated: number, now: number = Date.now()): Gantt {
  const jobs = stages.flatMap((s) => s.jobs);
  const known = jobs.flatMap((j) => [j.created_at, j.started_at]).filter((t) => t > 0);
  if (pipelineCreated > 0) known.push(pipelineCreated);
  const base = known.length ? Math.min(...known) : 0;
  let end = 0;
  const rows: GanttRow[] = [];
  for (const s of stages) {
    for (const j of s.jobs) {
      let run: [number, number] | null = null;
      let queued: [number, number] | null = null;
      if (j.started_at > 0) {
        const fin = j.finished_at > 0 ? j.finished_at
          : statusClass(j.build_status) === 'run' ? Math.max(now, j.started_at)
          : j.started_at + Math.round(j.duration_us / 1000);
        run = [j.started_at - base, fin - base];
        end = Math.max(end, run[1]);
        if (j.created_at > 0 && j.created_at < j.started_at) queued = [j.created_at - base, j.started_at - base];
      }
      rows.push({ id: j.build_id, label: `${s.name} · ${j.build_name}`, stage: s.name,
        status: j.build_status, queued, run });
    }
  }
  return { base, end, rows };
}

// The web URL of a GitLab project from a pipeline URL ".../group/project/pipelines/31" (or
// "/-/pipelines/31"); '' when it does not look like one.
export function projectUrl(pipelineUrl: string): string {
  const m = /^(https?:\/\/.+?)(?:\/-)?\/pipelines\/[^/]+$/.exec(pipelineUrl);
  return m ? m[1] : '';
}

export function jobUrl(pipelineUrl: string, buildId: string): string {
  const p = projectUrl(pipelineUrl);
  return p ? `${p}/-/jobs/${buildId}` : '';
}

export function commitUrl(pipelineUrl: string, sha: string): string {
  const p = projectUrl(pipelineUrl);
  return p && sha ? `${p}/-/commit/${sha}` : '';
}

// What the stored Pipeline Hook body adds to the API's pipeline: who triggered it, the merge
// request, the commit author's name, and its builds (jobs) for pipelines without Job Hook events.
export interface RawPipeline {
  triggeredBy: string; // "Administrator (root)"
  commitAuthor: string; // "User <user@gitlab.com>"
  mergeRequest?: { title: string; url: string; source: string; target: string };
  stages: string[];
  builds: Job[];
}

function gitlabTimeMs(v: unknown): number {
  if (typeof v !== 'string' || !v) return 0;
  // "2016-08-12 15:23:28 UTC" or RFC 3339
  const s = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? UTC$/.test(v)
    ? v.replace(' ', 'T').replace(' UTC', 'Z')
    : v.replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{2}):?(\d{2})$/, '$1T$2$3:$4');
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? 0 : ms;
}

export function parseEventRaw(raw: string, pipelineId = ''): RawPipeline | undefined {
  let b: any;
  try {
    b = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!b || typeof b !== 'object') return undefined;
  const u = b.user ?? {};
  const triggeredBy = u.name ? (u.username ? `${u.name} (${u.username})` : String(u.name)) : (u.username ?? '');
  const a = b.commit?.author ?? {};
  const commitAuthor = a.name ? (a.email ? `${a.name} <${a.email}>` : a.name) : (a.email ?? '');
  const mr = b.merge_request;
  const oa = b.object_attributes ?? {};
  const stages: string[] = Array.isArray(oa.stages) ? oa.stages.map(String) : [];
  const builds: Job[] = (Array.isArray(b.builds) ? b.builds : []).map((x: any) => {
    const dur = typeof x.duration === 'number' ? x.duration : 0;
    const q = typeof x.queued_duration === 'number' ? x.queued_duration : 0;
    return {
      build_id: String(x.id ?? ''),
      build_name: String(x.name ?? ''),
      build_stage: String(x.stage ?? ''),
      build_status: String(x.status ?? ''),
      build_failure_reason: x.failure_reason ? String(x.failure_reason) : '',
      pipeline_id: String(oa.id ?? pipelineId),
      project_id: String(b.project?.id ?? ''),
      project_name: String(b.project?.path_with_namespace ?? ''),
      sha: String(oa.sha ?? ''),
      user_email: String(x.user?.email ?? ''),
      runner_id: x.runner?.id !== undefined && x.runner?.id !== null ? String(x.runner.id) : '',
      commit_message: String(b.commit?.message ?? ''),
      duration_us: Math.round(dur * 1e6),
      queued_duration_us: Math.round(q * 1e6),
      created_at: gitlabTimeMs(x.created_at),
      started_at: gitlabTimeMs(x.started_at),
      finished_at: gitlabTimeMs(x.finished_at),
      time: 0,
    };
  });
  return {
    triggeredBy,
    commitAuthor,
    mergeRequest: mr && typeof mr === 'object'
      ? { title: String(mr.title ?? ''), url: String(mr.url ?? ''), source: String(mr.source_branch ?? ''),
          target: String(mr.target_branch ?? '') }
      : undefined,
    stages,
    builds,
  };
}

const STATUS_RANK = ['failed', 'running', 'pending', 'created', 'canceled', 'success'];

// Jobs grouped into stages as the server does (docs/api/ci.md): declared stages first, then the
// others by their first start; a stage's status is its most significant job status. For
// pipelines known only from their Pipeline Hook (its `builds`), without Job Hook events.
export function stagesFromJobs(jobs: Job[], declared: string[]): Stage[] {
  const by = new Map<string, Job[]>();
  for (const j of jobs) {
    const l = by.get(j.build_stage) ?? [];
    l.push(j);
    by.set(j.build_stage, l);
  }
  const firstStart = (l: Job[]) => {
    const s = l.map((j) => j.started_at).filter((t) => t > 0);
    return s.length ? Math.min(...s) : Infinity;
  };
  const names = [...declared.filter((s) => by.has(s)),
    ...[...by.keys()].filter((s) => !declared.includes(s))
      .sort((a, b) => firstStart(by.get(a)!) - firstStart(by.get(b)!) || a.localeCompare(b))];
  const stages = names.map((name) => {
    const l = [...by.get(name)!].sort((a, b) =>
      (a.started_at || Infinity) - (b.started_at || Infinity) || a.build_name.localeCompare(b.build_name));
    const ranked = STATUS_RANK.find((s) => l.some((j) => j.build_status === s));
    const starts = l.map((j) => j.started_at).filter((t) => t > 0);
    const ends = l.map((j) => j.finished_at).filter((t) => t > 0);
    const started_at = starts.length ? Math.min(...starts) : 0;
    const finished_at = ends.length ? Math.max(...ends) : 0;
    return {
      name,
      status: ranked ?? l[0].build_status,
      job_count: l.length,
      started_at,
      finished_at,
      duration_ms: started_at > 0 && finished_at >= started_at ? finished_at - started_at : 0,
      exec_us: l.reduce((s, j) => s + j.duration_us, 0),
      exec_ratio: 0,
      jobs: l,
    };
  });
  const total = stages.reduce((s, x) => s + x.exec_us, 0);
  for (const s of stages) s.exec_ratio = total ? s.exec_us / total : 0;
  return stages;
}

// "abc1234" from a full sha.
export function shortSha(sha: string): string {
  return sha.slice(0, 8);
}

// The first line of a commit message.
export function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

// ms → "1m 23s" (pipeline-scale durations).
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 1) return `${Math.round(ms)}ms`;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

// The overview's daily aggregates as buckets (when there are too many pipelines to fetch).
export function daysToBuckets(days: Overview['days']): RunBuckets {
  const d = [...days].sort((a, b) => a.start - b.start);
  return {
    step: 86_400_000,
    times: d.map((x) => x.start),
    success: d.map((x) => x.success),
    failed: d.map((x) => x.failed),
    canceled: d.map((x) => x.canceled),
    p50_us: d.map((x) => (x.runs ? x.duration_p50_us : null)),
    p95_us: d.map((x) => (x.runs ? x.duration_p95_us : null)),
  };
}

// A friendly axis step (seconds) for durations up to maxSec: about `ticks` ticks.
export function durationAxisStep(maxSec: number, ticks = 5): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
  const raw = maxSec / ticks;
  return steps.find((s) => s >= raw) ?? 86400;
}
