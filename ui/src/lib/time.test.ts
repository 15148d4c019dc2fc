import { describe, expect, it } from 'vitest';
import { autoInterval, describeRange, parseDuration, parseTime, resolveRange } from './time';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('time ranges', () => {
  it('reads relative ends', () => {
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('now-15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTime('now-2d', NOW)).toBe(NOW - 2 * 86_400_000);
    expect(parseTime('now-3x', NOW)).toBeUndefined();
    expect(parseDuration('90s')).toBe(90_000);
  });
  it('reads absolute ends', () => {
    expect(parseTime('2026-11-21T12:00:00Z')).toBe(NOW);
    expect(parseTime('2026-11-21T13:00:00+01:00')).toBe(NOW);
    expect(parseTime(String(NOW))).toBe(NOW);
    expect(parseTime('2026-11-21 12:00')).toBe(new Date(2026, 10, 21, 12, 0).getTime());
    expect(parseTime('yesterday')).toBeUndefined();
  });
  it('rejects empty and reversed ranges', () => {
    expect(() => resolveRange({ from: 'now', to: 'now-1h' }, NOW)).toThrow(/ends before/);
    expect(() => resolveRange({ from: 'bogus', to: 'now' }, NOW)).toThrow(/bad time/);
    expect(resolveRange({ from: 'now-1h', to: 'now' }, NOW)).toEqual([NOW - 3_600_000, NOW]);
  });
  it('describes ranges and picks steps', () => {
    expect(describeRange({ from: 'now-1h', to: 'now' })).toBe('Last 1 hour');
    expect(describeRange({ from: 'now-90m', to: 'now' })).toBe('Last 90m');
    expect(autoInterval({ from: 'now-1h', to: 'now' }, 200, NOW)).toBe(30);
    expect(autoInterval({ from: 'now-7d', to: 'now' }, 200, NOW)).toBe(3600);
  });
});
