import { describe, expect, it } from 'vitest';
import { bucketSeconds, bucketTimes, dqlString, redQuery, toRedSeries } from './series';

describe('apm_service series', () => {
  it('builds the DQL', () => {
    expect(redQuery(60, { by: 'service' })).toBe(
      'M::apm_service:(sum(requests), sum(errors), sum(duration_sum), max(p99)) [::60s] BY service');
    expect(redQuery(300, { service: "o'k", by: 'version' })).toBe(
      "M::apm_service:(sum(requests), sum(errors), sum(duration_sum), max(p99)) {service = 'o\\'k'} [::300s] BY version");
    expect(dqlString('a\\b')).toBe("'a\\\\b'");
  });
  it('picks buckets of at least a minute', () => {
    expect(bucketSeconds(0, 15 * 60_000, 30)).toBe(60);
    expect(bucketSeconds(0, 24 * 3600_000, 60)).toBe(1800);
  });
  it('fills the bucket grid and sums per bucket', () => {
    const from = 1_000_000 * 60_000 + 5000; // 5 s into a minute
    const to = from + 5 * 60_000;
    expect(bucketTimes(from, to, 60)).toHaveLength(6);
    const t0 = 1_000_000 * 60_000;
    const r = toRedSeries([{
      name: 'apm_service', tags: { service: 'b' },
      columns: ['time', 'sum(requests)', 'sum(errors)', 'sum(duration_sum)', 'max(p99)'],
      values: [[t0 + 60_000, 10, 1, 25000, 2600], [t0 + 180_000, 4, 0, 4000, null]],
    }, {
      name: 'apm_service', tags: { service: 'a' }, columns: ['time', 'sum(requests)', 'sum(errors)', 'sum(duration_sum)', 'max(p99)'], values: [],
    }], from, to, 60, 'service');
    expect(r.map((x) => x.key)).toEqual(['a', 'b']);
    expect(r[1].requests).toEqual([0, 10, 0, 4, 0, 0]);
    expect(r[1].errors).toEqual([0, 1, 0, 0, 0, 0]);
    expect(r[1].avg_us).toEqual([null, 2500, null, 1000, null, null]);
    expect(r[1].p99_us[1]).toBe(2600);
  });
});
