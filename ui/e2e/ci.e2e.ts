// The CI area in a real browser against `sextant standalone`, seeded with GitLab webhooks posted
// to the agent's /v1/gitlab: variants (projects, refs, statuses, sources, authors) of the real
// Pipeline Hook and Job Hook captures in shared/fixtures/gitlab, with their times re-stamped to
// the last hour. Expected values are computed from the seed below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED, openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

const FIX = join(SHARED, 'fixtures/gitlab');
const load = (n: string): any => JSON.parse(readFileSync(join(FIX, n), 'utf8'));

function gitlabTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

interface SeedPipeline {
  id: number;
  project: string;
  name: string;
  ref: string;
  status: string;
  source: string;
  author: string;
  duration: number | null; // s
  ago: number; // minutes before now it finished
  base: string; // fixture
  before?: string; // an earlier status event (ci_all_statuses)
}

const PIPELINES: SeedPipeline[] = [
  { id: 31, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'master', status: 'success', source: 'merge_request_event', author: 'user@gitlab.com', duration: 63, ago: 50, base: 'pipeline_hook.docs.json' },
  { id: 32, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'master', status: 'failed', source: 'push', author: 'user@gitlab.com', duration: 120, ago: 40, base: 'pipeline_hook.go-gitlab.json' },
  { id: 33, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'feature/login', status: 'success', source: 'push', author: 'dev@example.com', duration: 45, ago: 30, base: 'pipeline_hook.docs.json' },
  { id: 34, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'feature/login', status: 'canceled', source: 'web', author: 'dev@example.com', duration: 10, ago: 25, base: 'pipeline_hook.go-gitlab.json' },
  { id: 35, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'master', status: 'running', source: 'push', author: 'user@gitlab.com', duration: null, ago: 0, base: 'pipeline_hook.docs.json' },
  { id: 36, project: 'gitlab-org/gitlab-test', name: 'Gitlab Test', ref: 'master', status: 'success', source: 'schedule', author: 'user@gitlab.com', duration: 80, ago: 15, base: 'pipeline_hook.docs.json', before: 'running' },
  { id: 41, project: 'acme/shop', name: 'Shop', ref: 'main', status: 'success', source: 'push', author: 'alice@acme.io', duration: 200, ago: 45, base: 'pipeline_hook.go-gitlab.json' },
  { id: 42, project: 'acme/shop', name: 'Shop', ref: 'main', status: 'failed', source: 'schedule', author: 'alice@acme.io', duration: 300, ago: 10, base: 'pipeline_hook.docs.json' },
];

interface SeedJob {
  id: number;
  pipeline: number;
  stage: string;
  name: string;
  status: string;
  reason?: string;
  runner: number | null;
  duration: number | null; // s
  start: number | null; // s after the pipeline's creation
}

// Pipeline 31's jobs are the builds of the docs' Pipeline Hook; 41/42 use the go-gitlab Job Hook.
// Pipeline 33 gets no Job Hook: its detail shows the builds of its Pipeline Hook body.
const JOBS: SeedJob[] = [
  { id: 376, pipeline: 31, stage: 'build', name: 'build-image', status: 'success', runner: 380987, duration: 30, start: 5 },
  { id: 377, pipeline: 31, stage: 'test', name: 'test-image', status: 'success', runner: 380987, duration: 17, start: 40 },
  { id: 378, pipeline: 31, stage: 'test', name: 'test-build', status: 'failed', reason: 'script_failure', runner: 380987, duration: 17, start: 40 },
  { id: 379, pipeline: 31, stage: 'deploy', name: 'staging', status: 'created', runner: null, duration: null, start: null },
  { id: 380, pipeline: 31, stage: 'deploy', name: 'production', status: 'skipped', runner: null, duration: null, start: null },
  { id: 390, pipeline: 32, stage: 'build', name: 'compile', status: 'success', runner: 111, duration: 50, start: 3 },
  { id: 391, pipeline: 32, stage: 'test', name: 'unit', status: 'failed', reason: 'script_failure', runner: 222, duration: 60, start: 55 },
  { id: 392, pipeline: 32, stage: 'test', name: 'lint', status: 'success', runner: 111, duration: 20, start: 55 },
  { id: 501, pipeline: 41, stage: 'coordinated:tag', name: 'auto_deploy:start', status: 'success', runner: 12270837, duration: 49.5, start: 3 },
  { id: 502, pipeline: 42, stage: 'coordinated:tag', name: 'auto_deploy:start', status: 'failed', reason: 'runner_system_failure', runner: 12270837, duration: 290, start: 3 },
];

const FINISHED = ['success', 'failed', 'canceled'];
const sha = (id: number) => (id.toString(16) + 'bcbb5ec396a2c0f828686f14fac9b80b780504f2').slice(0, 40);
const created = (p: SeedPipeline, now: number) => now - p.ago * 60_000 - ((p.duration ?? 30) + 12) * 1000;

function pipelineBody(p: SeedPipeline, now: number, status = p.status): any {
  const b = load(p.base);
  const a = b.object_attributes;
  const c = created(p, now);
  const shift = c - Date.parse(a.created_at.replace(' ', 'T').replace(' UTC', 'Z'));
  const done = FINISHED.includes(status);
  Object.assign(a, { id: p.id, iid: p.id - 20, ref: p.ref, status, source: p.source, sha: sha(p.id),
    created_at: gitlabTime(c), finished_at: done ? gitlabTime(now - p.ago * 60_000) : null,
    duration: done ? p.duration : null });
  for (const x of b.builds ?? []) {
    for (const k of ['created_at', 'started_at', 'finished_at']) {
      if (x[k]) x[k] = gitlabTime(Date.parse(x[k].replace(' ', 'T').replace(' UTC', 'Z')) + shift);
    }
  }
  b.commit.id = sha(p.id);
  b.commit.message = `Commit for pipeline ${p.id}\n\nDetails.`;
  b.commit.author = { name: p.author.split('@')[0], email: p.author };
  Object.assign(b.project, { path_with_namespace: p.project, name: p.name,
    web_url: `https://gitlab.example.com/${p.project}`, git_http_url: `https://gitlab.example.com/${p.project}.git` });
  return b;
}

// A real Job Hook names the project by its display name ("John Smith / release-tools-fake" in the
// go-gitlab capture) where the Pipeline Hook has the path: acme/shop's jobs keep that form.
const jobProject = (p: SeedPipeline) => (p.project === 'acme/shop' ? 'Acme / Shop' : p.project);

function jobBody(j: SeedJob, now: number): any {
  const p = PIPELINES.find((x) => x.id === j.pipeline)!;
  const b = load(p.project === 'acme/shop' ? 'job_hook.go-gitlab.json' : 'job_hook.docs.json');
  const c = created(p, now);
  Object.assign(b, {
    build_id: j.id, pipeline_id: j.pipeline, build_stage: j.stage, build_name: j.name, build_status: j.status,
    build_failure_reason: j.reason ?? null, ref: p.ref, project_name: jobProject(p), sha: sha(p.id),
    build_created_at: gitlabTime(c),
    build_started_at: j.start === null ? null : gitlabTime(c + j.start * 1000),
    build_finished_at: j.duration === null || j.start === null ? null : gitlabTime(c + (j.start + j.duration) * 1000),
    build_duration: j.duration, build_queued_duration: j.start,
    runner: j.runner === null ? null : { ...(b.runner ?? {}), id: j.runner, description: `runner-${j.runner}` },
  });
  delete b.build_created_at_iso;
  delete b.build_started_at_iso;
  delete b.build_finished_at_iso;
  b.user.email = p.author;
  b.commit.message = `Commit for pipeline ${p.id}\n\nDetails.`;
  return b;
}

async function seed(sx: Sextant): Promise<void> {
  const now = Date.now();
  let n = 0;
  const send = async (event: string, body: unknown) => {
    const r = await sx.postAgent('/v1/gitlab', JSON.stringify(body), {
      'X-Gitlab-Event': event, 'Content-Type': 'application/json', 'X-Gitlab-Event-UUID': `ci-e2e-${++n}`,
    });
    if (!r.ok) throw new Error(`${event}: ${r.status} ${await r.text()}`);
  };
  for (const p of PIPELINES) if (p.before) await send('Pipeline Hook', pipelineBody(p, now, p.before));
  for (const p of PIPELINES) await send('Pipeline Hook', pipelineBody(p, now));
  for (const j of JOBS) await send('Job Hook', jobBody(j, now));
}

// Expected values, from the seed.
const finished = PIPELINES.filter((p) => FINISHED.includes(p.status));
const count = (f: (p: SeedPipeline) => boolean) => PIPELINES.filter(f).length;
function rank(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.ceil((p / 100) * s.length) - 1];
}
function mmss(sec: number): string {
  return sec < 60 ? `${sec}s` : `${Math.floor(sec / 60)}m ${String(sec % 60).padStart(2, '0')}s`;
}
const ids = (ps: SeedPipeline[]) => ps.map((p) => `#${p.id}`).sort();
const jobIds = (js: SeedJob[]) => js.map((j) => String(j.id)).sort();

let sx: Sextant;
let b: BrowserSession;

async function pipelineRows(page: Page): Promise<string[]> {
  return (await page.$$eval('[data-testid="pipelines-table"] [data-testid="pipeline-link"]',
    (els) => els.map((e) => e.textContent ?? ''))).sort();
}
async function jobRows(page: Page): Promise<string[]> {
  return (await page.$$eval('[data-testid="jobs-table"] tbody tr .ci-jobname .hint',
    (els) => els.map((e) => (e.textContent ?? '').replace('#', '')))).sort();
}
async function pick(page: Page, key: string, value: string) {
  await page.selectOption(`[data-testid="filter-${key}"]`, value);
}

beforeAll(async () => {
  sx = await startSextant({ conf: { 'gitlab.conf': '[[inputs.gitlab]]\n  enable_collect = false\n  ci_all_statuses = true\n' } });
  await seed(sx);
  // The agent forwards asynchronously: wait until the server has every pipeline and job.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const p = await sx.api('/v1/ci/pipelines?limit=1');
    const j = await sx.api('/v1/ci/jobs?limit=1');
    if (p.total === PIPELINES.length && j.total === JOBS.length) break;
    if (Date.now() > deadline) throw new Error(`seed not visible: ${p.total} pipelines, ${j.total} jobs`);
    await new Promise((r) => setTimeout(r, 250));
  }
  b = await openBrowser();
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

describe('ci', () => {
  it('overview numbers equal the seeded counts', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci');
    await page.waitForSelector('[data-testid="stat-runs"]');
    // No range in the URL: the CI default (7 days) is put there.
    expect(await page.evaluate(() => location.hash)).toContain('from=now-7d');
    const stat = async (id: string) => (await page.textContent(`[data-testid="${id}"] .stat-value`))?.trim();
    const success = count((p) => p.status === 'success');
    expect(await stat('stat-runs')).toBe(String(finished.length));
    expect(await stat('stat-failed')).toBe(String(count((p) => p.status === 'failed')));
    expect(await stat('stat-canceled')).toBe(String(count((p) => p.status === 'canceled')));
    expect(await stat('stat-running')).toBe(String(count((p) => p.status === 'running')));
    expect(await stat('stat-success-rate')).toBe(`${(Math.round((success / finished.length) * 1000) / 10)}%`);
    const durations = finished.map((p) => p.duration!);
    expect(await stat('stat-p50')).toBe(mmss(rank(durations, 50)));
    expect(await stat('stat-p95')).toBe(mmss(rank(durations, 95)));
    expect(await page.$('[data-testid="stat-p90"]')).toBeNull();
    // Failures by project: one row per project with its failed / finished counts.
    const byProject = await page.$$eval('[data-testid="failures-by-project"] tbody tr',
      (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent?.trim())));
    const projects = [...new Set(finished.map((p) => p.project))];
    expect(byProject.map((r) => r[0]).sort()).toEqual(projects.sort());
    for (const row of byProject) {
      const fin = finished.filter((p) => p.project === row[0]);
      expect(row.slice(1)).toEqual([String(fin.filter((p) => p.status === 'failed').length), String(fin.length)]);
    }
    const failingJobs = await page.$$eval('[data-testid="top-failing-jobs"] tbody tr td:first-child',
      (tds) => tds.map((td) => td.textContent?.trim()));
    expect(failingJobs.sort()).toEqual([...new Set(JOBS.filter((j) => j.status === 'failed').map((j) => j.name))].sort());
    expect(await page.isVisible('[data-testid="ci-runs-chart"] canvas')).toBe(true);
    expect(await page.isVisible('[data-testid="ci-duration-chart"] canvas')).toBe(true);
    await screenshot(page, 'ci-overview');

    // The overview's project filter narrows the numbers.
    await pick(page, 'project', 'acme/shop');
    const shop = finished.filter((p) => p.project === 'acme/shop');
    await expect.poll(() => stat('stat-runs')).toBe(String(shop.length));
    expect(await stat('stat-failed')).toBe(String(shop.filter((p) => p.status === 'failed').length));
    // Its failing jobs: the server finds them by the project path through their pipelines,
    // although their Job Hooks name the project differently ("Acme / Shop").
    const shopIds = shop.map((p) => p.id);
    await expect.poll(() => page.$$eval('[data-testid="top-failing-jobs"] tbody tr td:first-child',
      (tds) => tds.map((td) => td.textContent?.trim()).sort()))
      .toEqual([...new Set(JOBS.filter((j) => j.status === 'failed' && shopIds.includes(j.pipeline)).map((j) => j.name))].sort());
  });

  it('pipeline filters narrow the table to the expected rows, and live in the URL', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/pipelines');
    await page.waitForSelector('[data-testid="pipelines-table"]');
    expect(await pipelineRows(page)).toEqual(ids(PIPELINES));
    // The running pipeline 36 event came first: its latest state (success) is listed.
    expect(await page.getAttribute('[data-testid="pipelines-table"] tr:has(a:text-is("#36")) [data-status]', 'data-status'))
      .toBe('success');
    await screenshot(page, 'ci-pipelines');

    await pick(page, 'status', 'failed');
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES.filter((p) => p.status === 'failed')));
    expect(await page.evaluate(() => location.hash)).toContain('status=failed');
    await pick(page, 'project', 'acme/shop');
    await expect.poll(() => pipelineRows(page))
      .toEqual(ids(PIPELINES.filter((p) => p.status === 'failed' && p.project === 'acme/shop')));
    await page.click('[data-testid="filters-clear"]');
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES));

    await pick(page, 'ref', 'feature/login');
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES.filter((p) => p.ref === 'feature/login')));
    await pick(page, 'ref', '');
    await pick(page, 'author', 'alice@acme.io');
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES.filter((p) => p.author === 'alice@acme.io')));
    await pick(page, 'author', '');
    // The source filter is the server's (source=), paged there: no browser-side note.
    const bySource = page.waitForRequest((r) => r.url().includes('/v1/ci/pipelines?') && r.url().includes('source=schedule'));
    await pick(page, 'source', 'schedule');
    await bySource;
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES.filter((p) => p.source === 'schedule')));
    expect(await page.textContent('[data-testid="pipelines-panel"]')).not.toContain('in the browser');

    // Filters survive a reload (they are in the URL).
    await page.reload();
    await page.waitForSelector('[data-testid="pipelines-table"]');
    await expect.poll(() => pipelineRows(page)).toEqual(ids(PIPELINES.filter((p) => p.source === 'schedule')));
    expect(await page.inputValue('[data-testid="filter-source"]')).toBe('schedule');

    // A row opens the pipeline.
    await page.click('[data-testid="pipelines-table"] tbody tr:has(a:text-is("#42"))');
    await page.waitForFunction(() => location.hash.startsWith('#/ci/pipelines/42'));
    await page.waitForSelector('[data-testid="ci-stage"]');
  });

  it('shows an empty state with the webhook setup when the range has no CI events', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/pipelines?from=2020-01-01%2000%3A00&to=2020-01-02%2000%3A00');
    const empty = await page.waitForSelector('[data-testid="empty-state"]');
    const text = await empty.textContent();
    expect(text).toContain('[[inputs.gitlab]]');
    expect(text).toContain('/v1/gitlab');
  });

  it('pipeline detail shows the seeded stages and jobs with their statuses', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/pipelines/31');
    await page.waitForSelector('[data-testid="ci-job"]');
    const p = PIPELINES.find((x) => x.id === 31)!;
    expect(await page.getAttribute('[data-testid="pipeline-status"]', 'data-status')).toBe(p.status);
    expect(await page.textContent('[data-testid="pipeline-project"]')).toContain(p.project);
    expect(await page.textContent('[data-testid="pipeline-ref"]')).toContain(p.ref);
    expect(await page.textContent('[data-testid="pipeline-sha"]')).toContain(sha(31).slice(0, 8));
    expect(await page.textContent('[data-testid="pipeline-commit-message"]')).toBe('Commit for pipeline 31');
    expect(await page.textContent('[data-testid="pipeline-author"]')).toContain(p.author);
    // The docs' Pipeline Hook was triggered by Administrator (root), from a merge request.
    const trigger = await page.textContent('[data-testid="pipeline-trigger"]');
    expect(trigger).toContain('Administrator (root)');
    expect(trigger).toContain(p.source);
    expect(await page.textContent('[data-testid="pipeline-duration"]')).toContain(mmss(p.duration!));

    const stages = await page.$$eval('[data-testid="ci-stage"]',
      (els) => els.map((e) => [e.getAttribute('data-stage'), e.getAttribute('data-status')]));
    // In the pipeline's declared order; a stage's status is its most significant job's.
    expect(stages).toEqual([['build', 'success'], ['test', 'failed'], ['deploy', 'created']]);
    const jobs = await page.$$eval('[data-testid="ci-stage"]', (els) => els.map((e) =>
      [...e.querySelectorAll('[data-testid="ci-job"]')].map((j) => `${j.getAttribute('data-job')}=${j.getAttribute('data-status')}`).sort()));
    const expected = ['build', 'test', 'deploy'].map((s) =>
      JOBS.filter((j) => j.pipeline === 31 && j.stage === s).map((j) => `${j.name}=${j.status}`).sort());
    expect(jobs).toEqual(expected);
    expect(await page.textContent('[data-testid="ci-job"][data-job="test-build"]')).toContain('script_failure');
    expect(await page.isVisible('[data-testid="ci-gantt-chart"] canvas')).toBe(true);
    expect(await page.$$eval('[data-testid="stage-table"] tbody tr', (r) => r.length)).toBe(3);
    await screenshot(page, 'ci-pipeline-detail');

    // The job links lead to the job list of this pipeline.
    await page.click('[data-testid="pipeline-jobs-link"]');
    await page.waitForFunction(() => location.hash.includes('pipeline_id=31'));
    await expect.poll(() => jobRows(page)).toEqual(jobIds(JOBS.filter((j) => j.pipeline === 31)));
  });

  it('pipeline detail falls back to the builds of the Pipeline Hook without Job Hook events', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/pipelines/33');
    await page.waitForSelector('[data-testid="ci-job"]');
    const builds = load('pipeline_hook.docs.json').builds as any[];
    const jobs = await page.$$eval('[data-testid="ci-job"]',
      (els) => els.map((j) => `${j.getAttribute('data-job')}=${j.getAttribute('data-status')}`).sort());
    expect(jobs).toEqual(builds.map((x) => `${x.name}=${x.status}`).sort());
    expect(await page.textContent('[data-testid="pipeline-flow"]')).toContain('Pipeline Hook');
    await screenshot(page, 'ci-pipeline-detail-builds');
  });

  it('says so when a pipeline is not found', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/pipelines/999999');
    const empty = await page.waitForSelector('[data-testid="empty-state"]');
    expect(await empty.textContent()).toContain('999999');
  });

  it('job list filters by status, stage, project and runner', async () => {
    const { page } = b;
    await openRoute(page, sx, '/ci/jobs');
    await page.waitForSelector('[data-testid="jobs-table"]');
    expect(await jobRows(page)).toEqual(jobIds(JOBS));
    await pick(page, 'status', 'failed');
    const failed = JOBS.filter((j) => j.status === 'failed');
    await expect.poll(() => jobRows(page)).toEqual(jobIds(failed));
    expect(await page.evaluate(() => location.hash)).toContain('status=failed');
    const reasons = await page.$$eval('[data-testid="failure-reason"]', (els) => els.map((e) => e.textContent).sort());
    expect(reasons).toEqual(failed.map((j) => j.reason).sort());
    await screenshot(page, 'ci-jobs');

    await pick(page, 'status', '');
    await pick(page, 'stage', 'test');
    await expect.poll(() => jobRows(page)).toEqual(jobIds(JOBS.filter((j) => j.stage === 'test')));
    const byRunner = page.waitForRequest((r) => r.url().includes('/v1/ci/jobs?') && r.url().includes('runner=111'));
    await pick(page, 'runner', '111');
    await byRunner;
    await expect.poll(() => jobRows(page)).toEqual(jobIds(JOBS.filter((j) => j.stage === 'test' && j.runner === 111)));
    expect(await page.textContent('[data-testid="jobs-panel"]')).not.toContain('in the browser');
    await page.click('[data-testid="filters-clear"]');
    await pick(page, 'project', 'Acme / Shop');
    await expect.poll(() => jobRows(page))
      .toEqual(jobIds(JOBS.filter((j) => jobProject(PIPELINES.find((p) => p.id === j.pipeline)!) === 'Acme / Shop')));
    // The project path (as the pipeline list links it) finds the same jobs through their pipelines.
    await openRoute(page, sx, '/ci/jobs?project=acme%2Fshop');
    await expect.poll(() => jobRows(page))
      .toEqual(jobIds(JOBS.filter((j) => PIPELINES.find((p) => p.id === j.pipeline)!.project === 'acme/shop')));
  });

  it('has no console errors but the 404 of the missing pipeline', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 404/])).toEqual([]);
  });
});
