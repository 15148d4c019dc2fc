import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatDurationUs, formatNumber, formatPercent } from './format';

describe('formatting', () => {
  it('numbers', () => {
    expect(formatNumber(1234)).toBe('1234');
    expect(formatNumber(12345)).toBe('12.35k');
    expect(formatNumber(2.5e6)).toBe('2.5M');
    expect(formatNumber(undefined)).toBe('–');
  });
  it('sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MiB');
    expect(formatDurationUs(850)).toBe('850 µs');
    expect(formatDurationUs(12_340)).toBe('12.3 ms');
    expect(formatDurationUs(1_520_000)).toBe('1.52 s');
    expect(formatDurationUs(125e6)).toBe('2m 5s');
  });
  it('ratios and ages', () => {
    expect(formatPercent(0.0123)).toBe('1.2%');
    expect(formatAgo(1000, 6000)).toBe('5s ago');
    expect(formatAgo(0, 7_200_000)).toBe('2h ago');
  });
});
