// The seed helpers the e2e tests compute expectations with, checked against the real captures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectedOverview, expectedPerformance, expectedSessions, nearestRank, parseJsonPoints,
         parseLineProtocol, restampLineProtocol, variantLine } from './seed';

const FIX = '/work/shared/fixtures/rum';
const batch1 = readFileSync(`${FIX}/guance-rum_lineproto_batch1.txt`, 'utf8');
const pageexit = readFileSync(`${FIX}/guance-rum_lineproto_pageexit.txt`, 'utf8');

describe('parseLineProtocol', () => {
  it('reads the SDK batch, multi-line string fields included', () => {
    const pts = parseLineProtocol(batch1);
    expect(pts.map((p) => p.measurement)).toEqual(
      ['error', 'action', 'error', 'long_task', 'resource', 'resource', 'resource', 'resource', 'long_task', 'view']);
    expect(pts[0].fields.error_message).toBe('rc console error {\n  "a": 1\n}');
    expect(pts[0].tags.view_url).toBe('http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1');
    expect(pts[9].fields.cumulative_layout_shift).toBe(0);
    expect(pts[9].time).toBe(1795271876894);
    expect(pts[1].fields.action_name).toBe('custom-action');
    expect(pts[1].fields.view_in_foreground).toBe(true);
  });
  it('reads the JSON body', () => {
    const pts = parseJsonPoints(readFileSync(`${FIX}/guance-rum_json_batch1.json`, 'utf8'));
    expect(pts).toHaveLength(9);
  });
});

describe('restamp and variants', () => {
  it('moves the newest point to the given time, keeping gaps', () => {
    const { body, shift } = restampLineProtocol(batch1, 2_000_000_000_000);
    const pts = parseLineProtocol(body);
    expect(Math.max(...pts.map((p) => p.time))).toBe(2_000_000_000_000);
    expect(pts[9].time).toBe(1795271876894 + shift);
    expect(pts[0].fields.error_message).toBe('rc console error {\n  "a": 1\n}');
  });
  it('replaces tags and numeric fields of a view line', () => {
    const view = pageexit.trim().split('\n').filter((l) => l.startsWith('view,')).pop()!;
    const line = variantLine(view, { session_id: 's-1', view_path_group: '/cart', browser: 'Firefox', country: 'DE' },
                             { largest_contentful_paint: 2_600_000_000, cumulative_layout_shift: 0.2 }, 1234567890123);
    const [p] = parseLineProtocol(line);
    expect(p.tags).toMatchObject({ session_id: 's-1', view_path_group: '/cart', browser: 'Firefox', country: 'DE' });
    expect(p.fields.largest_contentful_paint).toBe(2_600_000_000);
    expect(p.fields.cumulative_layout_shift).toBe(0.2);
    expect(p.fields.first_contentful_paint).toBe(320_000_000);
    expect(p.time).toBe(1234567890123);
  });
});

describe('expectations', () => {
  const pts = [...parseLineProtocol(batch1), ...parseLineProtocol(pageexit)];
  it('counts the capture as the API defines PV, UV, sessions, errors', () => {
    expect(expectedOverview(pts)).toEqual({ pv: 1, uv: 1, sessions: 1, error_sessions: 1, errors: 3 });
  });
  it('takes each view once with its largest values', () => {
    const perf = expectedPerformance(pts).get('/index.html')!;
    expect(perf).toMatchObject({ views: 1, largest_contentful_paint_ms: 320, first_contentful_paint_ms: 320,
                                 interaction_to_next_paint_ms: 56, cumulative_layout_shift: 0, loading_time_ms: 375 });
  });
  it('counts session events', () => {
    expect(expectedSessions(pts).get('068d0475-e85c-4c85-b14c-dfa2973dde53'))
      .toEqual({ view: 1, action: 3, resource: 6, error: 3, long_task: 2 });
  });
  it('nearest rank', () => {
    expect(nearestRank([3, 1, 2, 4], 0.75)).toBe(3);
    expect(nearestRank([5], 0.75)).toBe(5);
    expect(nearestRank([1, 2, 3], 0.5)).toBe(2);
    expect(nearestRank([], 0.5)).toBeNull();
  });
});
