import { describe, expect, it } from 'vitest';
import type { SessionDetail } from './api';
import { axisStep, layoutTimeline, mergeViews, MIN_WIDTH, parseHidden, visibleRows } from './timeline';

const session = {
  id: 's1', session_id: 's1', start: 1000, end: 5000, duration_ms: 4000, view_count: 2,
  error_count: 1, action_count: 1, resource_count: 2, long_task_count: 0, has_error: true,
};

const detail: SessionDetail = {
  session,
  events: [
    { time: 1000, type: 'view', view_id: 'v1', view_path: '/home', time_spent_ms: 300,
      cumulative_layout_shift: 0 },
    { time: 1000, type: 'view', view_id: 'v1', view_path: '/home', time_spent_ms: 2000,
      largest_contentful_paint_ms: 800, cumulative_layout_shift: 0.05 },
    { time: 1100, type: 'resource', view_id: 'v1', resource_method: 'GET', resource_url: '/a.js',
      resource_status: '200', duration_ms: 400 },
    { time: 1500, type: 'resource', view_id: 'v1', resource_url: '/missing.png',
      resource_status: 404, duration_ms: 10 },
    { time: 3000, type: 'view', view_id: 'v2', view_path: '/cart', time_spent_ms: 2000 },
    { time: 3500, type: 'action', view_id: 'v2', action_type: 'click', action_name: 'Buy', duration_ms: 100 },
    { time: 4000, type: 'error', view_id: 'v2', error_type: 'TypeError', error_message: 'boom\nmore' },
    { time: 4500, type: 'error', view_id: 'gone', error_source: 'console', error_message: 'x' },
  ],
};

describe('mergeViews', () => {
  it('keeps one view per view_id with the largest values', () => {
    const m = mergeViews(detail.events);
    const views = m.filter((e) => e.type === 'view');
    expect(views).toHaveLength(2);
    expect(views[0]).toMatchObject({ view_id: 'v1', time: 1000, time_spent_ms: 2000,
                                     largest_contentful_paint_ms: 800, cumulative_layout_shift: 0.05 });
    expect(m).toHaveLength(detail.events.length - 1);
  });
});

describe('layoutTimeline', () => {
  const t = layoutTimeline(detail);
  it('spans the session and the views time spent', () => {
    expect(t.start).toBe(1000);
    expect(t.end).toBe(5000); // v2 ends at 3000 + 2000
    expect(t.span).toBe(4000);
  });
  it('orders each view followed by its events, orphans last', () => {
    expect(t.rows.map((r) => [r.type, r.depth, r.label])).toEqual([
      ['view', 0, '/home'],
      ['resource', 1, 'GET /a.js'],
      ['resource', 1, '/missing.png'],
      ['view', 0, '/cart'],
      ['action', 1, 'Buy'],
      ['error', 1, 'TypeError: boom'],
      ['error', 0, 'console: x'],
    ]);
  });
  it('places rows on the axis', () => {
    const [home, js, png, cart, , err] = t.rows;
    expect(home.left).toBe(0);
    expect(home.width).toBe(50);
    expect(js.left).toBe(2.5);
    expect(js.width).toBe(10);
    expect(png.width).toBe(MIN_WIDTH); // 10 ms of 4 s: the minimum
    expect(cart.left).toBe(50);
    expect(err.duration).toBe(0);
    expect(err.left).toBe(75);
  });
  it('flags errors and failed resources, counts types', () => {
    expect(t.rows.filter((r) => r.bad).map((r) => r.label)).toEqual(['/missing.png', 'TypeError: boom', 'console: x']);
    expect(t.counts).toMatchObject({ view: 2, resource: 2, action: 1, error: 2, long_task: 0 });
  });
  it('has round ticks', () => {
    expect(t.ticks.map((x) => x.offset)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(axisStep(3729)).toBe(1000);
    expect(axisStep(60)).toBe(10);
  });
  it('never puts a row past the axis end', () => {
    const late = layoutTimeline({ session: { ...session, start: 0, end: 100 },
      events: [{ time: 100, type: 'error', error_message: 'late' }] });
    expect(late.rows[0].left + late.rows[0].width).toBeLessThanOrEqual(100);
  });
});

describe('visibleRows', () => {
  const t = layoutTimeline(detail);
  it('hides types, lifting the events of hidden views', () => {
    expect(parseHidden('resource,bogus,view')).toEqual(new Set(['resource', 'view']));
    const only = visibleRows(t.rows, parseHidden('resource'));
    expect(only.map((r) => r.type)).toEqual(['view', 'view', 'action', 'error', 'error']);
    const noViews = visibleRows(t.rows, parseHidden('view'));
    expect(noViews.every((r) => r.depth === 0)).toBe(true);
    expect(noViews).toHaveLength(5);
    expect(visibleRows(t.rows, new Set())).toBe(t.rows);
  });
});
