// Span tree -> flame graph and waterfall layout. The server sends the spans of a trace in tree
// order (depth first, siblings by start) with depth and self time; the layout still rebuilds the
// tree from span/parent ids itself so that it stays right for any order the spans come in (and
// when the server leaves depth or self time out). Pure functions: unit tested.
import type { TraceSpan } from './types';

export interface LaidSpan {
  index: number; // position in tree order
  span: TraceSpan;
  depth: number;
  row: number; // flame graph row: depth, pushed down while it overlaps a span already on that row
  parent: number; // index of the parent, -1 for a root
  children: number[];
  offset_us: number; // start relative to the trace start
  end_us: number; // offset_us + duration
  self_us: number;
}

export interface TraceLayout {
  spans: LaidSpan[]; // tree order
  start_us: number;
  total_us: number; // from the earliest start to the latest end
  maxDepth: number;
  maxRow: number;
  services: string[]; // in order of first appearance
  colors: Map<string, string>; // service -> color (serviceColors)
}

// The duration of `span` not covered by the union of its children's intervals (each clipped to
// the span). Never negative.
export function selfTime(start: number, duration: number, children: { start: number; duration: number }[]): number {
  const end = start + duration;
  const iv = children
    .map((c) => [Math.max(start, c.start), Math.min(end, c.start + c.duration)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let curA = -Infinity;
  let curB = -Infinity;
  for (const [a, b] of iv) {
    if (a > curB) {
      if (curB > curA) covered += curB - curA;
      curA = a;
      curB = b;
    } else if (b > curB) {
      curB = b;
    }
  }
  if (curB > curA) covered += curB - curA;
  return Math.max(0, duration - covered);
}

// Builds the tree. A span's parent is the span with its parent_id; when several share that id
// (Zipkin B3 / Envoy shared ids) the server's order applies: span_type entry, then one in the
// child's service, then the earliest. Spans whose parent is missing (or on a cycle) are roots.
export function layoutTrace(input: TraceSpan[]): TraceLayout {
  const n = input.length;
  const byId = new Map<string, number[]>();
  input.forEach((s, i) => {
    const l = byId.get(s.span_id);
    if (l) l.push(i);
    else byId.set(s.span_id, [i]);
  });
  const parentOf = new Array<number>(n).fill(-1);
  input.forEach((s, i) => {
    if (!s.parent_id || s.parent_id === '0') return;
    const cands = (byId.get(s.parent_id) ?? []).filter((j) => j !== i);
    if (!cands.length) return;
    const pick =
      cands.find((j) => input[j].span_type === 'entry') ??
      cands.find((j) => input[j].service === s.service) ??
      [...cands].sort((a, b) => input[a].start_us - input[b].start_us)[0];
    parentOf[i] = pick;
  });
  // Break cycles: walk up from each span; a span that reaches itself becomes a root.
  for (let i = 0; i < n; i++) {
    const seen = new Set<number>([i]);
    let p = parentOf[i];
    while (p >= 0) {
      if (seen.has(p)) {
        parentOf[i] = -1;
        break;
      }
      seen.add(p);
      p = parentOf[p];
    }
  }
  const kids: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  for (let i = 0; i < n; i++) (parentOf[i] >= 0 ? kids[parentOf[i]] : roots).push(i);
  const byStart = (a: number, b: number) => input[a].start_us - input[b].start_us || a - b;
  roots.sort(byStart);
  kids.forEach((k) => k.sort(byStart));

  const start = n ? Math.min(...input.map((s) => s.start_us)) : 0;
  const end = n ? Math.max(...input.map((s) => s.start_us + s.duration_us)) : 0;
  const out: LaidSpan[] = [];
  const order = new Array<number>(n);
  const services: string[] = [];
  let maxDepth = 0;
  // Iterative DFS (deep traces must not overflow the stack).
  const stack: [number, number, number][] = roots.slice().reverse().map((r) => [r, 0, -1]);
  while (stack.length) {
    const [i, depth, parent] = stack.pop()!;
    const s = input[i];
    const idx = out.length;
    order[i] = idx;
    if (!services.includes(s.service)) services.push(s.service);
    maxDepth = Math.max(maxDepth, depth);
    out.push({
      index: idx,
      span: s,
      depth,
      row: 0,
      parent,
      children: [],
      offset_us: s.start_us - start,
      end_us: s.start_us - start + s.duration_us,
      self_us: s.self_us ?? selfTime(s.start_us, s.duration_us,
                                     kids[i].map((k) => ({ start: input[k].start_us, duration: input[k].duration_us }))),
    });
    if (parent >= 0) out[parent].children.push(idx);
    for (let k = kids[i].length - 1; k >= 0; k--) stack.push([kids[i][k], depth + 1, idx]);
  }
  const maxRow = assignRows(out);
  return { spans: out, start_us: start, total_us: end - start, maxDepth, maxRow, services, colors: serviceColors(services) };
}

// Flame graph rows: in tree order, each span takes the first row at or below its parent's row + 1
// (row 0 for roots) where it overlaps no span already placed; its subtree follows it down. Spans
// that run in parallel under one parent thus get rows of their own instead of hiding each other.
export function assignRows(spans: LaidSpan[]): number {
  const rows: [number, number][][] = [];
  const overlaps = (r: number, a: number, b: number) =>
    (rows[r] ?? []).some(([x, y]) => a < y && x < b);
  let maxRow = 0;
  for (const l of spans) {
    const a = l.offset_us;
    const b = l.offset_us + Math.max(l.span.duration_us, 1);
    let r = l.parent >= 0 ? spans[l.parent].row + 1 : 0;
    while (overlaps(r, a, b)) r++;
    (rows[r] ??= []).push([a, b]);
    l.row = r;
    maxRow = Math.max(maxRow, r);
  }
  return maxRow;
}

// The flame graph's rectangles: one per span, x in µs from the trace start, y = depth.
export interface FlameRect {
  index: number;
  x0: number;
  x1: number;
  depth: number;
  row: number;
  service: string;
  label: string;
  error: boolean;
}

export function flameRects(layout: TraceLayout): FlameRect[] {
  return layout.spans.map((l) => ({
    index: l.index,
    x0: l.offset_us,
    x1: l.offset_us + Math.max(l.span.duration_us, 0),
    depth: l.depth,
    row: l.row,
    service: l.span.service,
    label: `${l.span.service} ${l.span.resource}`,
    error: !!l.span.error || l.span.status === 'error' || l.span.status === 'critical',
  }));
}

// A waterfall row's bar as percentages of the trace's duration (at least a visible sliver).
export function waterfallBar(l: LaidSpan, total_us: number): { left: number; width: number } {
  if (total_us <= 0) return { left: 0, width: 100 };
  const left = (l.offset_us / total_us) * 100;
  const width = Math.max((l.span.duration_us / total_us) * 100, 0.2);
  return { left: Math.min(left, 99.8), width: Math.min(width, 100 - Math.min(left, 99.8)) };
}

// A stable color per service (the same service has the same color in every view).
// Mid-dark tones: white labels stay readable on them; no red (red marks errors).
const PALETTE = ['#4f6bed', '#2e9e6a', '#d9822b', '#1f8fb3', '#8e5cc4', '#b7791f', '#16a085',
                 '#c2549d', '#5d7a8c', '#6b8e23', '#3f51b5', '#a0522d'];
// Colors for the services of one trace: distinct while the palette lasts, in order of appearance.
export function serviceColors(services: string[]): Map<string, string> {
  return new Map(services.map((s, i) => [s, i < PALETTE.length ? PALETTE[i] : serviceColor(s)]));
}

export function serviceColor(service: string): string {
  let h = 0;
  for (let i = 0; i < service.length; i++) h = (h * 31 + service.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

// Error details of a span from its tags (DataKit's error_message/error_stack/error_type, Zipkin's
// `error` tag).
export function spanError(tags: Record<string, string> | undefined): { type?: string; message?: string; stack?: string } | undefined {
  if (!tags) return undefined;
  const type = tags.error_type;
  const message = tags.error_message ?? tags.error ?? tags['exception.message'];
  const stack = tags.error_stack ?? tags['exception.stacktrace'];
  if (!type && !message && !stack) return undefined;
  return { type, message, stack };
}
