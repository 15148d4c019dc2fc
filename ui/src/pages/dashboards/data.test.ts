import { describe, expect, it } from 'vitest';
import type { Series } from '../../lib/api';
import { formatValue, reduce, toLines, toTable, toValues, topList } from './data';
import { optionsFromSeries } from './Variables';

// Shapes as /v1/query/raw returns them (checked against a running server).
const byHost: Series[] = [
  { name: 'cpu', tags: { host: 'web-1' }, columns: ['time', 'avg(usage_total)'], values: [[2000, 11], [1000, 10]] },
  { name: 'cpu', tags: { host: 'web-2' }, columns: ['time', 'avg(usage_total)'], values: [[2000, 51], [1000, 50]] },
];
const twoCols: Series[] = [
  { name: 'cpu', tags: {}, columns: ['time', 'user', 'system'], values: [[1000, 12.5, null]] },
];

describe('shaping', () => {
  it('lines: one per series and column, sorted by time, labelled by tags', () => {
    expect(toLines(byHost)).toEqual([
      { name: 'host=web-1', points: [[1000, 10], [2000, 11]] },
      { name: 'host=web-2', points: [[1000, 50], [2000, 51]] },
    ]);
    expect(toLines(twoCols).map((l) => l.name)).toEqual(['user', 'system']);
    expect(toLines(twoCols)[1].points).toEqual([[1000, null]]);
    expect(toLines(byHost, 'cpu')[0].name).toBe('host=web-1 · cpu');
  });
  it('values: the latest point by default, or a reducer', () => {
    expect(toValues(byHost)).toEqual([{ name: 'host=web-1', value: 11 }, { name: 'host=web-2', value: 51 }]);
    expect(toValues(byHost, 'avg')).toEqual([{ name: 'host=web-1', value: 10.5 }, { name: 'host=web-2', value: 50.5 }]);
    expect(reduce([1, null, 3], 'sum')).toBe(4);
    expect(reduce([null], 'max')).toBeNull();
    expect(topList(toValues(byHost), 1)).toEqual([{ name: 'host=web-2', value: 51 }]);
  });
  it('table: time, tags, then values', () => {
    const t = toTable([{ name: 'disk', tags: { host: 'a', mount_point: '/' }, columns: ['time', 'used_percent'], values: [[5, 40]] }]);
    expect(t).toEqual({ columns: ['host', 'mount_point', 'used_percent'], rows: [['a', '/', 40]] });
    const two = toTable([{ name: 'disk', tags: { host: 'a' }, columns: ['time', 'u'], values: [[6, 41], [5, 40]] }]);
    expect(two).toEqual({ columns: ['time', 'host', 'u'], rows: [[6, 'a', 41], [5, 'a', 40]] });
  });
  it('variable options from show_tag_value and label_values', () => {
    expect(optionsFromSeries([{ name: 'cpu', tags: {}, columns: ['key', 'value'],
                                values: [['host', 'web-2'], ['host', 'web-1']] }])).toEqual(['web-1', 'web-2']);
    expect(optionsFromSeries(byHost, 'host')).toEqual(['web-1', 'web-2']);
  });
  it('formats units', () => {
    expect(formatValue(42.56, 'percent')).toBe('42.6%');
    expect(formatValue(1536, 'bytes/s')).toBe('1.5 KiB/s');
    expect(formatValue(null, 'percent')).toBe('–');
    expect(formatValue(12, '')).toBe('12');
  });
});
