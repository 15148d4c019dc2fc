// Time ranges as users type them, Grafana style: `now-15m` .. `now` (relative; units s m h d w),
// or absolute times (RFC 3339 / `YYYY-MM-DD HH:mm[:ss]` in local time / Unix milliseconds).
// A range is kept as text (in the URL) and resolved to milliseconds at query time.
export interface TimeRange {
  from: string;
  to: string;
}

export const DEFAULT_RANGE: TimeRange = { from: 'now-15m', to: 'now' };

export const PRESETS: { label: string; from: string }[] = [
  { label: 'Last 5 minutes', from: 'now-5m' },
  { label: 'Last 15 minutes', from: 'now-15m' },
  { label: 'Last 1 hour', from: 'now-1h' },
  { label: 'Last 6 hours', from: 'now-6h' },
  { label: 'Last 24 hours', from: 'now-24h' },
  { label: 'Last 7 days', from: 'now-7d' },
];

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

// "5m" -> 300000; undefined when malformed.
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(s.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

// One end of a range in Unix ms; undefined when it cannot be read.
export function parseTime(s: string, now: number = Date.now()): number | undefined {
  const t = s.trim();
  if (t === 'now') return now;
  const rel = /^now-(\d+[smhdw])$/.exec(t);
  if (rel) {
    const d = parseDuration(rel[1]);
    return d === undefined ? undefined : now - d;
  }
  if (/^\d{10,14}$/.test(t)) return Number(t);
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (local) {
    const [, y, mo, d, h, mi, sec] = local;
    return new Date(+y, +mo - 1, +d, +h, +mi, sec ? +sec : 0).getTime();
  }
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

// [from, to] in ms. Throws on an unreadable or empty range (the picker validates first).
export function resolveRange(r: TimeRange, now: number = Date.now()): [number, number] {
  const from = parseTime(r.from, now);
  const to = parseTime(r.to, now);
  if (from === undefined) throw new Error(`bad time: ${r.from}`);
  if (to === undefined) throw new Error(`bad time: ${r.to}`);
  if (from >= to) throw new Error('the range ends before it starts');
  return [from, to];
}

export function isValidRange(r: TimeRange): boolean {
  try {
    resolveRange(r);
    return true;
  } catch {
    return false;
  }
}

// "Last 15 minutes", or "2026-11-21 10:00 → 2026-11-21 11:00".
export function describeRange(r: TimeRange): string {
  if (r.to === 'now') {
    const p = PRESETS.find((x) => x.from === r.from);
    if (p) return p.label;
    if (r.from.startsWith('now-')) return `Last ${r.from.slice(4)}`;
  }
  const fmt = (s: string) => {
    const ms = parseTime(s);
    return ms === undefined || s.startsWith('now') ? s : formatLocal(ms);
  };
  return `${fmt(r.from)} → ${fmt(r.to)}`;
}

// "2026-11-21 10:00:05" in local time.
export function formatLocal(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
         `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// A step (seconds) giving about `points` points over the range, rounded to a friendly value.
export function autoInterval(r: TimeRange, points = 200, now: number = Date.now()): number {
  const [from, to] = resolveRange(r, now);
  const raw = (to - from) / 1000 / points;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return steps.find((s) => s >= raw) ?? 86400;
}
