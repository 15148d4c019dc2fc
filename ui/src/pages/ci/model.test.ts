import { describe, expect, it } from 'vitest';
import { bucketRuns, bucketStep, commitUrl, daysToBuckets, durationAxisStep, facets, failuresBy, formatMs,
         ganttOf, jobUrl, listParams, nearestRank, parseEventRaw, projectUrl, readFilters, stagesFromJobs,
         statusClass, topFailingJobs, type Job, type Pipeline, type Stage } from './model';

const MIN = 60_000;

function pipe(id: string, status: string, finished: number, durationS: number, extra: Partial<Pipeline> = {}): Pipeline {
  return {
    pipeline_id: id, pipeline_name: 'g/p', resource: 'P', ref: 'main', ci_status: status, pipeline_source: 'push',
    commit_sha: 'abcdef0123456789', commit_message: 'msg', author_email: 'a@x', pipeline_url: '',
    repository_url: '', duration_us: durationS * 1e6, queued_duration_ms: 0, created_at: finished - durationS * 1000,
    finished_at: finished, time: finished + 1000, ...extra,
  };
}

function job(id: string, stage: string, name: string, status: string, started: number, durS: number, extra: Partial<Job> = {}): Job {
  return {
    build_id: id, build_name: name, build_stage: stage, build_status: status, build_failure_reason: '',
    pipeline_id: '1', project_id: '9', project_name: 'g/p', sha: '', user_email: '', runner_id: '7',
    commit_message: '', duration_us: durS * 1e6, queued_duration_us: 0, created_at: 1000, started_at: started,
    finished_at: started && durS ? started + durS * 1000 : 0, time: 0, ...extra,
  };
}

describe('statuses', () => {
  it('classes statuses', () => {
    expect(statusClass('success')).toBe('ok');
    expect(statusClass('failed')).toBe('err');
    expect(statusClass('canceled')).toBe('warn');
    expect(statusClass('running')).toBe('run');
    expect(statusClass('pending')).toBe('run');
    expect(statusClass('skipped')).toBe('idle');
    expect(statusClass('')).toBe('idle');
  });
});

describe('filters', () => {
  it('reads the set filters from the URL', () => {
    const q = new URLSearchParams('project=g%2Fp&status=&ref=main&from=now-1h');
    expect(readFilters(q, ['project', 'ref', 'status'])).toEqual({ project: 'g/p', ref: 'main' });
  });

  it('passes every filter to the server and pages there', () => {
    expect(listParams({ project: 'g/p' }, [1, 2], 2)).toEqual({ start: '1', end: '2', project: 'g/p', limit: '50', offset: '100' });
    expect(listParams({ project: 'g/p', source: 'push' }, [1, 2], 0))
      .toEqual({ start: '1', end: '2', project: 'g/p', source: 'push', limit: '50', offset: '0' });
    expect(listParams({ runner: '7' }, [1, 2], -1)).toEqual({ start: '1', end: '2', runner: '7', limit: '50', offset: '0' });
  });

  it('collects distinct sorted facet values', () => {
    const rows = [pipe('1', 'success', 1, 1, { ref: 'b' }), pipe('2', 'failed', 1, 1, { ref: 'a' }), pipe('3', 'failed', 1, 1, { ref: '' })];
    expect(facets(rows, { ref: (p) => p.ref, status: (p) => p.ci_status }))
      .toEqual({ ref: ['a', 'b'], status: ['failed', 'success'] });
  });
});

describe('overview', () => {
  it('takes nearest-rank percentiles like the server', () => {
    expect(nearestRank([], 50)).toBe(0);
    expect(nearestRank([5], 90)).toBe(5);
    // 7 values: p50 = rank 4, p90 = rank ceil(6.3) = 7
    const v = [63, 120, 45, 10, 80, 200, 300];
    expect(nearestRank(v, 50)).toBe(80);
    expect(nearestRank(v, 90)).toBe(300);
    // p95 = rank ceil(0.95 * 20) = 19 of 1..20
    expect(nearestRank(Array.from({ length: 20 }, (_, i) => 20 - i), 95)).toBe(19);
    expect(nearestRank([1, 2, 3, 4], 50)).toBe(2);
  });

  it('picks a bucket step for about 48 buckets', () => {
    expect(bucketStep(0, 3_600_000)).toBe(300_000); // 1h / 48 = 75 s
    expect(bucketStep(0, 7 * 86_400_000)).toBe(21_600_000); // 7d / 48 = 3.5h -> 6h
    expect(bucketStep(0, 600_000)).toBe(60_000);
  });

  it('counts finished runs per status and bucket, with duration percentiles', () => {
    const from = 10 * 60 * MIN; // aligned
    const to = from + 60 * MIN;
    const rows = [
      pipe('1', 'success', from + 1 * MIN, 60),
      pipe('2', 'failed', from + 2 * MIN, 120),
      pipe('3', 'success', from + 4 * MIN, 30),
      pipe('4', 'canceled', from + 6 * MIN, 10),
      pipe('5', 'running', 0, 0, { time: from + 7 * MIN }),
      pipe('6', 'success', from - 5 * MIN, 10), // before the range
    ];
    const b = bucketRuns(rows, from, to, 5 * MIN);
    expect(b.times[0]).toBe(from);
    expect(b.times.length).toBe(13);
    expect(b.success.slice(0, 2)).toEqual([2, 0]);
    expect(b.failed.slice(0, 2)).toEqual([1, 0]);
    expect(b.canceled.slice(0, 2)).toEqual([0, 1]);
    expect(b.success.reduce((a, x) => a + x, 0)).toBe(2);
    expect(b.p50_us[0]).toBe(60e6); // of 60, 120, 30
    expect(b.p95_us[0]).toBe(120e6);
    expect(b.p50_us[1]).toBe(10e6);
    expect(b.p50_us[2]).toBeNull();
  });

  it('uses the receive time for runs without finished_at', () => {
    const from = 0;
    const b = bucketRuns([pipe('1', 'failed', 0, 5, { time: 7 * MIN })], from, 10 * MIN, 5 * MIN);
    expect(b.failed).toEqual([0, 1, 0]);
  });

  it('groups failures by a key, most failures first', () => {
    const rows = [
      pipe('1', 'failed', 1, 1, { ref: 'main' }), pipe('2', 'success', 1, 1, { ref: 'main' }),
      pipe('3', 'failed', 1, 1, { ref: 'dev' }), pipe('4', 'failed', 1, 1, { ref: 'dev' }),
      pipe('5', 'success', 1, 1, { ref: 'feat' }), pipe('6', 'running', 1, 1, { ref: 'feat' }),
    ];
    expect(failuresBy(rows, (p) => p.ref)).toEqual([
      { key: 'dev', runs: 2, failed: 2, rate: 1 },
      { key: 'main', runs: 2, failed: 1, rate: 0.5 },
      { key: 'feat', runs: 1, failed: 0, rate: 0 },
    ]);
  });

  it('ranks failing jobs with their reasons', () => {
    const jobs = [
      job('1', 'test', 'unit', 'failed', 1, 1, { build_failure_reason: 'script_failure' }),
      job('2', 'test', 'unit', 'failed', 1, 1, { build_failure_reason: 'runner_system_failure' }),
      job('3', 'build', 'compile', 'failed', 1, 1, { build_failure_reason: 'script_failure' }),
      job('4', 'build', 'compile', 'success', 1, 1),
    ];
    const top = topFailingJobs(jobs);
    expect(top.map((t) => [t.name, t.count, t.reasons])).toEqual([
      ['unit', 2, ['runner_system_failure', 'script_failure']],
      ['compile', 1, ['script_failure']],
    ]);
  });

  it('turns the daily aggregates into buckets', () => {
    const day = { runs: 2, success: 1, failed: 1, canceled: 0, success_rate: 0.5, duration_p50_us: 5, duration_p90_us: 9, duration_p95_us: 10 };
    const b = daysToBuckets([{ ...day, day: '2026-11-21', start: 2 }, { ...day, runs: 0, day: '2026-11-20', start: 1 }]);
    expect(b.times).toEqual([1, 2]);
    expect(b.p50_us).toEqual([null, 5]);
    expect(b.p95_us).toEqual([null, 10]);
    expect(b.failed).toEqual([1, 1]);
  });
});

describe('pipeline detail', () => {
  it('lays jobs out on a gantt from the pipeline start', () => {
    const t0 = 1_000_000;
    const stages: Stage[] = stagesFromJobs([
      job('1', 'build', 'img', 'success', t0 + 5000, 30, { created_at: t0 }),
      job('2', 'test', 'unit', 'failed', t0 + 40000, 17, { created_at: t0 }),
      job('3', 'deploy', 'prod', 'created', 0, 0, { created_at: t0 }),
      job('4', 'test', 'live', 'running', t0 + 40000, 0, { created_at: t0 }),
    ], ['build', 'test', 'deploy']);
    const g = ganttOf(stages, t0, t0 + 60000);
    expect(g.base).toBe(t0);
    expect(g.rows.map((r) => [r.label, r.queued, r.run])).toEqual([
      ['build · img', [0, 5000], [5000, 35000]],
      ['test · live', [0, 40000], [40000, 60000]],
      ['test · unit', [0, 40000], [40000, 57000]],
      ['deploy · prod', null, null],
    ]);
    expect(g.end).toBe(60000);
  });

  it('starts the gantt at the earliest job when the pipeline time is unknown', () => {
    const g = ganttOf(stagesFromJobs([job('1', 's', 'a', 'success', 5000, 1, { created_at: 0 })], []), 0);
    expect(g.base).toBe(5000);
    expect(g.rows[0].run).toEqual([0, 1000]);
  });

  it('groups jobs into stages like the server (declared first, most significant status)', () => {
    const stages = stagesFromJobs([
      job('1', 'extra', 'x', 'success', 50, 1),
      job('2', 'test', 'b', 'success', 20, 2),
      job('3', 'test', 'a', 'failed', 20, 1),
      job('4', 'build', 'c', 'success', 10, 1),
      job('5', 'deploy', 'd', 'skipped', 0, 0),
      job('6', 'deploy', 'e', 'created', 0, 0),
    ], ['build', 'test', 'deploy', 'never']);
    expect(stages.map((s) => [s.name, s.status, s.jobs.map((j) => j.build_name)])).toEqual([
      ['build', 'success', ['c']],
      ['test', 'failed', ['a', 'b']],
      ['deploy', 'created', ['d', 'e']],
      ['extra', 'success', ['x']],
    ]);
    const test = stages[1];
    expect(test.started_at).toBe(20);
    expect(test.finished_at).toBe(2020);
    expect(test.exec_us).toBe(3e6);
    expect(test.exec_ratio).toBeCloseTo(3 / 5);
  });

  it('reads who triggered the pipeline and its builds from the webhook body', () => {
    const body = {
      object_attributes: { id: 31, sha: 'abc', stages: ['build', 'test'] },
      user: { name: 'Administrator', username: 'root' },
      commit: { message: 'm', author: { name: 'User', email: 'u@x' } },
      merge_request: { title: 'Test', url: 'http://mr', source_branch: 'test', target_branch: 'master' },
      project: { id: 1, path_with_namespace: 'g/p' },
      builds: [{ id: 377, stage: 'test', name: 'test-image', status: 'success', created_at: '2016-08-12 15:23:28 UTC',
                 started_at: '2016-08-12 15:26:12 UTC', finished_at: '2016-08-12 15:26:29 UTC', duration: 17.0,
                 queued_duration: 196.0, failure_reason: null, runner: { id: 380987 } },
               { id: 380, stage: 'deploy', name: 'production', status: 'skipped', started_at: null, runner: null }],
    };
    const r = parseEventRaw(JSON.stringify(body))!;
    expect(r.triggeredBy).toBe('Administrator (root)');
    expect(r.commitAuthor).toBe('User <u@x>');
    expect(r.mergeRequest).toEqual({ title: 'Test', url: 'http://mr', source: 'test', target: 'master' });
    expect(r.stages).toEqual(['build', 'test']);
    expect(r.builds[0]).toMatchObject({ build_id: '377', build_stage: 'test', runner_id: '380987', pipeline_id: '31',
      duration_us: 17e6, started_at: Date.UTC(2016, 7, 12, 15, 26, 12), finished_at: Date.UTC(2016, 7, 12, 15, 26, 29) });
    expect(r.builds[1]).toMatchObject({ runner_id: '', started_at: 0, duration_us: 0 });
    expect(parseEventRaw('not json')).toBeUndefined();
  });

  it('derives GitLab links from the pipeline URL', () => {
    expect(projectUrl('https://gitlab.example.com/g/p/pipelines/31')).toBe('https://gitlab.example.com/g/p');
    expect(projectUrl('https://gitlab.example.com/g/p/-/pipelines/31')).toBe('https://gitlab.example.com/g/p');
    expect(projectUrl('')).toBe('');
    expect(jobUrl('https://gl/g/p/pipelines/31', '377')).toBe('https://gl/g/p/-/jobs/377');
    expect(commitUrl('https://gl/g/p/pipelines/31', 'abc')).toBe('https://gl/g/p/-/commit/abc');
  });

  it('picks friendly duration axis steps', () => {
    expect(durationAxisStep(300)).toBe(60);
    expect(durationAxisStep(40)).toBe(10);
    expect(durationAxisStep(7200)).toBe(1800);
  });

  it('formats pipeline-scale durations', () => {
    expect(formatMs(0)).toBe('—');
    expect(formatMs(17000)).toBe('17s');
    expect(formatMs(63000)).toBe('1m 03s');
    expect(formatMs(3_900_000)).toBe('1h 05m');
  });
});
