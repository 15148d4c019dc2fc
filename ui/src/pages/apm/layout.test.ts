import { describe, expect, it } from 'vitest';
import { flameRects, layoutTrace, selfTime, spanError, waterfallBar } from './layout';
import type { TraceSpan } from './types';

const sp = (id: string, parent: string, service: string, start: number, duration: number,
            extra: Partial<TraceSpan> = {}): TraceSpan => ({
  span_id: id, parent_id: parent, service, resource: `r-${id}`, start_us: start, duration_us: duration, ...extra,
});

describe('selfTime', () => {
  it('subtracts the union of children, clipped to the span', () => {
    // span 0..100; children 10..30 and 20..50 overlap (union 10..50 = 40), 90..130 clipped to 10.
    expect(selfTime(0, 100, [{ start: 10, duration: 20 }, { start: 20, duration: 30 }, { start: 90, duration: 40 }]))
      .toBe(50);
  });
  it('is never negative and ignores children outside the span', () => {
    expect(selfTime(0, 10, [{ start: -5, duration: 30 }])).toBe(0);
    expect(selfTime(0, 10, [{ start: 20, duration: 5 }])).toBe(10);
  });
});

describe('layoutTrace', () => {
  // root (0..1000) -> a (100..400) -> a1 (150..250); root -> b (500..900); input shuffled.
  const spans = [
    sp('b', 'root', 'back', 1500, 400),
    sp('a1', 'a', 'db', 1150, 100),
    sp('root', '', 'front', 1000, 1000),
    sp('a', 'root', 'back', 1100, 300, { status: 'error' }),
  ];
  const l = layoutTrace(spans);
  it('orders depth first with siblings by start and computes depth', () => {
    expect(l.spans.map((x) => [x.span.span_id, x.depth])).toEqual([['root', 0], ['a', 1], ['a1', 2], ['b', 1]]);
    expect(l.maxDepth).toBe(2);
    expect(l.spans[0].children).toEqual([1, 3]);
    expect(l.spans[2].parent).toBe(1);
  });
  it('gives offsets from the trace start and the total duration', () => {
    expect(l.start_us).toBe(1000);
    expect(l.total_us).toBe(1000);
    expect(l.spans.map((x) => x.offset_us)).toEqual([0, 100, 150, 500]);
    expect(l.spans[3].end_us).toBe(900);
  });
  it('computes self time when the server gives none, keeps the server value otherwise', () => {
    expect(l.spans.map((x) => x.self_us)).toEqual([1000 - 300 - 400, 200, 100, 400]);
    const withServer = layoutTrace([sp('r', '', 's', 0, 10, { self_us: 7 })]);
    expect(withServer.spans[0].self_us).toBe(7);
  });
  it('makes spans with a missing parent or a cycle roots', () => {
    const x = layoutTrace([sp('x', 'gone', 's', 0, 10), sp('p', 'q', 's', 5, 1), sp('q', 'p', 's', 6, 1)]);
    expect(x.spans.filter((s) => s.depth === 0).length).toBeGreaterThanOrEqual(2);
    expect(x.spans.length).toBe(3);
  });
  it('prefers the entry span among spans sharing the parent id (Envoy B3)', () => {
    const x = layoutTrace([
      sp('root', '', 'front', 0, 100, { span_type: 'entry' }),
      sp('s1', 'root', 'front', 10, 50, { span_type: 'exit' }),
      sp('s1', 'root', 'back', 12, 45, { span_type: 'entry' }),
      sp('c', 's1', 'back', 20, 10, { span_type: 'local' }),
    ]);
    const c = x.spans.find((s) => s.span.span_id === 'c')!;
    expect(x.spans[c.parent].span.service).toBe('back');
    expect(c.depth).toBe(2);
  });
  it('puts parallel siblings on rows of their own in the flame graph', () => {
    const x = layoutTrace([
      sp('root', '', 'front', 0, 1000),
      sp('a', 'root', 'back', 100, 300),
      sp('a1', 'a', 'db', 150, 100),
      sp('c', 'root', 'back', 200, 100),
      sp('d', 'root', 'back', 600, 100),
    ]);
    const rows = Object.fromEntries(x.spans.map((l) => [l.span.span_id, [l.depth, l.row]]));
    expect(rows).toEqual({ root: [0, 0], a: [1, 1], a1: [2, 2], c: [1, 3], d: [1, 1] });
    expect(x.maxRow).toBe(3);
    expect(l.maxRow).toBe(2); // the sequential trace needs no extra rows
  });
  it('lays out flame rectangles and waterfall bars', () => {
    const r = flameRects(l);
    expect(r[1]).toMatchObject({ x0: 100, x1: 400, depth: 1, row: 1, service: 'back', error: true });
    expect(waterfallBar(l.spans[3], l.total_us)).toEqual({ left: 50, width: 40 });
  });
  it('reads error details from tags', () => {
    expect(spanError({ error: 'payment backend returned 500' })).toEqual({ message: 'payment backend returned 500', type: undefined, stack: undefined });
    expect(spanError({ error_type: 'E', error_stack: 'at x' })?.stack).toBe('at x');
    expect(spanError({ http_method: 'GET' })).toBeUndefined();
  });
});
