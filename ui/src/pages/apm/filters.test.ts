import { describe, expect, it } from 'vitest';
import { looksLikeTraceId, matchesWords, parseDurationUs, readFilters, splitText, toApiParams } from './filters';

describe('trace filters', () => {
  it('parses durations to µs', () => {
    expect(parseDurationUs('100ms')).toBe(100_000);
    expect(parseDurationUs('1.5s')).toBe(1_500_000);
    expect(parseDurationUs('250us')).toBe(250);
    expect(parseDurationUs('20')).toBe(20_000);
    expect(parseDurationUs('fast')).toBeUndefined();
  });
  it('builds API params from the URL', () => {
    const f = readFilters(new URLSearchParams('service=reviews&status=error&min=10ms&max=x&text=http_method:GET%20check'));
    const { params, errors } = toApiParams(f, 50);
    expect(params).toEqual({ limit: 50, service: 'reviews', status: 'error,critical', min_duration_us: 10_000, tag: ['http_method:GET'] });
    expect(errors).toHaveLength(1);
  });
  it('splits text into tag terms and words', () => {
    expect(splitText('env:prod  Checkout :x')).toEqual({ tags: ['env:prod'], words: ['checkout', ':x'] });
    const t = { trace_id: 'abc', service: 'front', resource: 'GET /checkout', start_us: 0, duration_us: 1, span_count: 1, error: false };
    expect(matchesWords(t, ['checkout', 'front'])).toBe(true);
    expect(matchesWords(t, ['pay'])).toBe(false);
    expect(looksLikeTraceId('ea9ab6c2140ad42c7fbe5cea58b3732b')).toBe(true);
    expect(looksLikeTraceId('checkout')).toBe(false);
  });
});
