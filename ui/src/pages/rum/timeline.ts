// Session timeline layout: the events of one session (GET /v1/rum/sessions/:id) as waterfall
// rows on a time axis. A view's repeated reports (same view_id, growing fields) become one
// row with the largest values; each view is followed by its own actions, resources, long tasks
// and errors in time order; events of no known view come last.
import type { SessionDetail, SessionEvent } from './api';

export type EventType = 'view' | 'action' | 'resource' | 'long_task' | 'error' | 'other';

export interface TimelineRow {
  key: string;
  type: EventType;
  time: number; // ms
  offset: number; // ms since the session start
  duration: number; // ms (0: an instant)
  left: number; // % of the axis
  width: number; // % of the axis (at least MIN_WIDTH)
  label: string;
  detail: string;
  bad: boolean; // an error, a failed resource (status ≥ 400)
  depth: 0 | 1; // views at 0, their events at 1
  event: SessionEvent;
}

export interface Timeline {
  start: number;
  end: number;
  span: number; // ms, > 0
  rows: TimelineRow[];
  counts: Record<EventType, number>;
  ticks: { offset: number; left: number }[];
}

export const MIN_WIDTH = 0.4;

const VIEW_MAX_KEYS = [
  'loading_time_ms', 'first_contentful_paint_ms', 'largest_contentful_paint_ms',
  'first_input_delay_ms', 'interaction_to_next_paint_ms', 'cumulative_layout_shift',
  'time_spent_ms',
] as const;

// One event per view_id: the earliest time, the largest value of each metric, the first
// non-empty strings.
export function mergeViews(events: SessionEvent[]): SessionEvent[] {
  const out: SessionEvent[] = [];
  const byId = new Map<string, SessionEvent>();
  for (const e of events) {
    if (e.type !== 'view') {
      out.push(e);
      continue;
    }
    const id = e.view_id;
    const prev = id ? byId.get(id) : undefined;
    if (!prev) {
      const copy = { ...e };
      if (id) byId.set(id, copy);
      out.push(copy);
      continue;
    }
    prev.time = Math.min(prev.time, e.time);
    for (const k of VIEW_MAX_KEYS) {
      const v = e[k];
      if (typeof v === 'number' && (prev[k] === undefined || v > (prev[k] as number))) prev[k] = v;
    }
    prev.view_url ||= e.view_url;
    prev.view_path ||= e.view_path;
  }
  return out;
}

export function typeOf(e: SessionEvent): EventType {
  switch (e.type) {
    case 'view':
    case 'action':
    case 'resource':
    case 'long_task':
    case 'error':
      return e.type;
    default:
      return 'other';
  }
}

function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0].trim();
}

function statusOf(e: SessionEvent): number | undefined {
  const n = Number(e.resource_status);
  return e.resource_status === undefined || Number.isNaN(n) ? undefined : n;
}

export function describe(e: SessionEvent): { label: string; detail: string; bad: boolean; duration: number } {
  switch (typeOf(e)) {
    case 'view':
      return { label: e.view_path || e.view_url || '(view)',
               detail: e.largest_contentful_paint_ms !== undefined ? `LCP ${Math.round(e.largest_contentful_paint_ms)} ms` : '',
               bad: false,
               duration: e.time_spent_ms ?? 0 };
    case 'action':
      return { label: e.action_name || e.action_type || '(action)', detail: e.action_type ?? '',
               bad: false, duration: e.duration_ms ?? 0 };
    case 'resource': {
      const st = statusOf(e);
      return {
        label: `${e.resource_method ? `${e.resource_method} ` : ''}${e.resource_url ?? '(resource)'}`,
        detail: [e.resource_type, st !== undefined ? String(st) : ''].filter(Boolean).join(' · '),
        bad: st !== undefined && st >= 400,
        duration: e.duration_ms ?? 0,
      };
    }
    case 'long_task':
      return { label: 'Long task', detail: '', bad: false, duration: e.duration_ms ?? 0 };
    case 'error':
      return {
        label: `${e.error_type || e.error_source || 'Error'}: ${firstLine(e.error_message)}`,
        detail: e.error_source ?? '',
        bad: true,
        duration: 0,
      };
    default:
      return { label: e.type, detail: '', bad: false, duration: e.duration_ms ?? 0 };
  }
}

// Round tick steps (ms) for an axis of `span` ms with about `n` ticks.
export function axisStep(span: number, n = 6): number {
  const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000,
                 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000];
  const raw = span / n;
  return steps.find((s) => s >= raw) ?? Math.ceil(raw / 3_600_000) * 3_600_000;
}

export function layoutTimeline(detail: SessionDetail): Timeline {
  const events = mergeViews([...detail.events].sort((a, b) => a.time - b.time));
  const described = events.map((e) => ({ e, d: describe(e) }));
  let start = detail.session.start;
  let end = detail.session.end;
  for (const { e, d } of described) {
    start = Math.min(start, e.time);
    end = Math.max(end, e.time + d.duration);
  }
  const span = Math.max(end - start, 1);
  const counts: Record<EventType, number> = { view: 0, action: 0, resource: 0, long_task: 0, error: 0, other: 0 };

  const views = described.filter((x) => typeOf(x.e) === 'view');
  const viewIds = new Set(views.map((x) => x.e.view_id).filter(Boolean));
  const children = new Map<string, typeof described>();
  const orphans: typeof described = [];
  for (const x of described) {
    if (typeOf(x.e) === 'view') continue;
    const id = x.e.view_id;
    if (id && viewIds.has(id)) {
      if (!children.has(id)) children.set(id, []);
      children.get(id)!.push(x);
    } else {
      orphans.push(x);
    }
  }

  const rows: TimelineRow[] = [];
  const push = (x: (typeof described)[number], depth: 0 | 1) => {
    const type = typeOf(x.e);
    counts[type]++;
    const offset = x.e.time - start;
    const left = (offset / span) * 100;
    const width = Math.max((x.d.duration / span) * 100, MIN_WIDTH);
    rows.push({
      key: `${rows.length}`,
      type,
      time: x.e.time,
      offset,
      duration: x.d.duration,
      left: Math.min(left, 100 - MIN_WIDTH),
      width: Math.min(width, 100 - Math.min(left, 100 - MIN_WIDTH)),
      label: x.d.label,
      detail: x.d.detail,
      bad: x.d.bad,
      depth,
      event: x.e,
    });
  };
  for (const v of views) {
    push(v, 0);
    for (const c of children.get(v.e.view_id ?? '') ?? []) push(c, 1);
  }
  for (const o of orphans) push(o, 0);

  const step = axisStep(span);
  const ticks: Timeline['ticks'] = [];
  for (let t = 0; t <= span; t += step) ticks.push({ offset: t, left: (t / span) * 100 });
  return { start, end, span, rows, counts, ticks };
}

// "+1.25 s" style offsets for the axis and rows.
export function formatOffset(ms: number): string {
  if (ms < 1000) return `+${Math.round(ms)} ms`;
  if (ms < 60_000) return `+${Number((ms / 1000).toFixed(2))} s`;
  const s = Math.round(ms / 1000);
  return `+${Math.floor(s / 60)}m ${s % 60}s`;
}

// Rows without the hidden event types ("resource,long_task" from the URL); events of a hidden
// view's type stay, one level up.
export function parseHidden(s: string | null | undefined): Set<EventType> {
  const all: EventType[] = ['view', 'action', 'resource', 'long_task', 'error', 'other'];
  return new Set((s ?? '').split(',').filter((x): x is EventType => (all as string[]).includes(x)));
}

export function visibleRows(rows: TimelineRow[], hidden: Set<EventType>): TimelineRow[] {
  if (hidden.size === 0) return rows;
  const hideViews = hidden.has('view');
  return rows.filter((r) => !hidden.has(r.type))
    .map((r) => (hideViews && r.depth === 1 ? { ...r, depth: 0 as const } : r));
}
