import { describe, expect, it } from 'vitest';
import { formatMs, formatVital, parsePercentile, rate, ratingShares } from './vitals';

describe('rate', () => {
  it('uses the web.dev thresholds (good ≤ first bound, poor > second)', () => {
    expect(rate('largest_contentful_paint_ms', 2500)).toBe('good');
    expect(rate('largest_contentful_paint_ms', 2501)).toBe('ni');
    expect(rate('largest_contentful_paint_ms', 4000)).toBe('ni');
    expect(rate('largest_contentful_paint_ms', 4001)).toBe('poor');
    expect(rate('first_contentful_paint_ms', 1800)).toBe('good');
    expect(rate('first_contentful_paint_ms', 3000)).toBe('ni');
    expect(rate('first_contentful_paint_ms', 3000.5)).toBe('poor');
    expect(rate('cumulative_layout_shift', 0.1)).toBe('good');
    expect(rate('cumulative_layout_shift', 0.2)).toBe('ni');
    expect(rate('cumulative_layout_shift', 0.26)).toBe('poor');
    expect(rate('interaction_to_next_paint_ms', 200)).toBe('good');
    expect(rate('interaction_to_next_paint_ms', 480)).toBe('ni');
    expect(rate('interaction_to_next_paint_ms', 501)).toBe('poor');
  });
  it('has no rating without a value or a threshold', () => {
    expect(rate('largest_contentful_paint_ms', null)).toBeUndefined();
    expect(rate('loading_time_ms', 10_000)).toBeUndefined();
  });
});

describe('formatting', () => {
  it('shows ms, seconds and CLS', () => {
    expect(formatVital('largest_contentful_paint_ms', 320)).toBe('320 ms');
    expect(formatVital('largest_contentful_paint_ms', 2540)).toBe('2.54 s');
    expect(formatVital('cumulative_layout_shift', 0.12345)).toBe('0.123');
    expect(formatVital('cumulative_layout_shift', null)).toBe('–');
    expect(formatMs(12.6)).toBe('12.6 ms');
    expect(formatMs(125_000)).toBe('2m 05s');
    expect(formatMs(3_720_000)).toBe('1h 02m');
  });
  it('reads the percentile from the URL, p75 by default', () => {
    expect(parsePercentile('p90')).toBe('p90');
    expect(parsePercentile('p42')).toBe('p75');
    expect(parsePercentile(null)).toBe('p75');
  });
});

describe('ratingShares', () => {
  it('weights pages by views', () => {
    const s = ratingShares([
      { views: 3, value: 1000 },
      { views: 1, value: 3000 },
      { views: 4, value: 9000 },
      { views: 5, value: null },
    ], 'largest_contentful_paint_ms');
    expect(s).toEqual({ good: 3 / 8, ni: 1 / 8, poor: 4 / 8 });
  });
});
