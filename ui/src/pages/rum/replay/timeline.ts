// Pure helpers of the replay player: the playback frames (records expanded so that every
// mouse position has its own time), the inactive stretches that "skip inactivity" jumps over,
// and positions on the timeline.
import { RecordType, Source, type ReplayRecord } from './records';

// Recordings up to this size (compressed, all segments) load with the session page; larger
// ones on demand.
export const AUTO_LOAD_BYTES = 4 << 20;

// A record to apply at `time` (a MouseMove record becomes one frame per position).
export interface Frame {
  time: number;
  record: ReplayRecord;
  // For a mouse position frame: the one position.
  pos?: { x: number; y: number; id?: number };
}

export function framesOf(records: ReplayRecord[]): Frame[] {
  const out: Frame[] = [];
  for (const r of records) {
    const d = r.data;
    if (r.type === RecordType.IncrementalSnapshot && (d?.source === Source.MouseMove || d?.source === Source.TouchMove) &&
        Array.isArray(d.positions)) {
      for (const p of d.positions) {
        out.push({ time: r.timestamp + (Number(p.timeOffset) || 0), record: r, pos: { x: p.x, y: p.y, id: p.id } });
      }
    } else {
      out.push({ time: r.timestamp, record: r });
    }
  }
  return out.map((f, i) => [f, i] as const).sort((a, b) => a[0].time - b[0].time || a[1] - b[1]).map(([f]) => f);
}

// Whether a frame is user activity (what "skip inactivity" keeps).
export function isActivity(f: Frame): boolean {
  if (f.record.type === RecordType.FullSnapshot || f.record.type === RecordType.Meta) return true;
  return f.record.type === RecordType.IncrementalSnapshot;
}

// Stretches [from, to] longer than `minGap` ms without activity; playback with "skip
// inactivity" jumps from `from` to `to` (the next activity, less a short lead-in).
export function inactiveGaps(frames: Frame[], minGap = 3000, leadIn = 500): [number, number][] {
  const times = frames.filter(isActivity).map((f) => f.time);
  const gaps: [number, number][] = [];
  for (let i = 1; i < times.length; i++) {
    if (times[i] - times[i - 1] > minGap) gaps.push([times[i - 1] + leadIn, times[i] - leadIn]);
  }
  return gaps;
}

// Where playback goes from `t` with skip on: the gap's end when `t` is inside a gap, else `t`.
export function skipTarget(gaps: [number, number][], t: number): number {
  for (const [a, b] of gaps) if (t >= a && t < b) return b;
  return t;
}

// The index of the last full snapshot at or before `t` (the first one when `t` precedes all);
// -1 when there is none.
export function snapshotBefore(frames: Frame[], t: number): number {
  let best = -1;
  for (let i = 0; i < frames.length; i++) {
    if (frames[i].record.type !== RecordType.FullSnapshot) continue;
    if (frames[i].time <= t || best === -1) best = i;
    if (frames[i].time > t) break;
  }
  return best;
}

// Percent of the way from `start` to `end` (clamped).
export function percentAt(t: number, start: number, end: number): number {
  if (end <= start) return 0;
  return Math.min(100, Math.max(0, ((t - start) / (end - start)) * 100));
}

// "m:ss" of an offset in ms.
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
