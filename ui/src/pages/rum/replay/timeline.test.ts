// Playback helpers: frames, inactivity, snapshot lookup. Expected values written by hand.
import { describe, expect, it } from 'vitest';
import type { ReplayRecord } from './records';
import { clock, framesOf, inactiveGaps, percentAt, skipTarget, snapshotBefore } from './timeline';

const rec = (timestamp: number, type: number, data?: any): ReplayRecord => ({ timestamp, type, data });

describe('framesOf', () => {
  it('gives every mouse position its own time, in order', () => {
    const f = framesOf([
      rec(100, 2, { node: {} }),
      rec(200, 3, { source: 1, positions: [{ x: 1, y: 2, id: 5, timeOffset: -50 }, { x: 3, y: 4, id: 5, timeOffset: 0 }] }),
      rec(180, 3, { source: 2, type: 2, x: 9, y: 9 }),
    ]);
    expect(f.map((x) => x.time)).toEqual([100, 150, 180, 200]);
    expect(f[1].pos).toEqual({ x: 1, y: 2, id: 5 });
    expect(f[3].pos).toEqual({ x: 3, y: 4, id: 5 });
  });
});

describe('inactivity', () => {
  const frames = framesOf([rec(0, 4), rec(0, 2), rec(1000, 3, { source: 2 }), rec(9000, 3, { source: 0 }),
                           rec(9500, 7), rec(20000, 3, { source: 3 })]);
  it('finds stretches over 3 s without activity (ViewEnd is not activity)', () => {
    expect(inactiveGaps(frames)).toEqual([[1500, 8500], [9500, 19500]]);
  });
  it('jumps over a gap only from inside it', () => {
    const gaps = inactiveGaps(frames);
    expect(skipTarget(gaps, 1000)).toBe(1000);
    expect(skipTarget(gaps, 1500)).toBe(8500);
    expect(skipTarget(gaps, 12000)).toBe(19500);
    expect(skipTarget(gaps, 19500)).toBe(19500);
  });
});

describe('snapshotBefore', () => {
  const frames = framesOf([rec(0, 4), rec(10, 2), rec(20, 3, { source: 0 }), rec(50, 2), rec(60, 3, { source: 0 })]);
  it('picks the last full snapshot at or before the time, else the first', () => {
    expect(snapshotBefore(frames, 5)).toBe(1);
    expect(snapshotBefore(frames, 10)).toBe(1);
    expect(snapshotBefore(frames, 49)).toBe(1);
    expect(snapshotBefore(frames, 50)).toBe(3);
    expect(snapshotBefore(frames, 1000)).toBe(3);
    expect(snapshotBefore(framesOf([rec(0, 4)]), 5)).toBe(-1);
  });
});

describe('formatting', () => {
  it('positions and clock', () => {
    expect(percentAt(150, 100, 300)).toBe(25);
    expect(percentAt(50, 100, 300)).toBe(0);
    expect(percentAt(400, 100, 300)).toBe(100);
    expect(clock(0)).toBe('0:00');
    expect(clock(65_400)).toBe('1:05');
  });
});
