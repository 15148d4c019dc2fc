import { describe, expect, it } from 'vitest';
import { buildDql, buildPromql, dqlShape, emptyBuilder, parseDql, readQueries, tableRows, withInterval, writeQueries } from './query';

describe('buildDql', () => {
  it('is empty until a measurement is picked', () => {
    expect(buildDql(emptyBuilder())).toBe('');
  });
  it('builds measurement, aggregate of a field, tag filter and BY', () => {
    expect(buildDql({ measurement: 'cpu', field: 'usage_total', agg: 'avg',
                      filters: [{ key: 'host', op: '=', value: 'h1' }], by: ['host'] }))
      .toBe("M::cpu:(avg(usage_total)) {host = 'h1'} BY host");
  });
  it('quotes names that are not plain words and escapes values', () => {
    expect(buildDql({ measurement: 'diskio', field: 'read_bytes/sec', agg: 'max',
                      filters: [{ key: 'name', op: '!=', value: "it's" }], by: [] }))
      .toBe("M::diskio:(max(`read_bytes/sec`)) {name != 'it\\'s'}");
    expect(buildDql({ measurement: 'm', field: 'by', agg: '', filters: [], by: [] })).toBe('M::m:(`by`)');
  });
});

describe('buildPromql', () => {
  it('maps field f of m to m_f with labels and by()', () => {
    expect(buildPromql({ measurement: 'cpu', field: 'usage_total', agg: 'avg',
                         filters: [{ key: 'host', op: '=', value: 'h1' }], by: ['host'] }))
      .toBe('avg by (host) (cpu_usage_total{host="h1"})');
    expect(buildPromql({ measurement: 'diskio', field: 'read_bytes/sec', agg: 'sum', filters: [], by: [] }))
      .toBe('sum (diskio_read_bytes_sec)');
    expect(buildPromql({ measurement: 'mem', field: 'used', agg: 'last', filters: [], by: [] })).toBe('mem_used');
  });
});

describe('withInterval', () => {
  it('adds a bucket to metric selects without a time clause, before BY', () => {
    expect(withInterval("M::cpu:(avg(usage_total)) {host = 'h1'} BY host", 60))
      .toBe("M::cpu:(avg(usage_total)) {host = 'h1'} [::60s] BY host");
    expect(withInterval('M::cpu:(avg(usage_total))', 10)).toBe('M::cpu:(avg(usage_total)) [::10s]');
    expect(withInterval("M::cpu:(avg(usage_total)) {host = 'BY x'} SLIMIT 3", 5))
      .toBe("M::cpu:(avg(usage_total)) {host = 'BY x'} [::5s] SLIMIT 3");
  });
  it('leaves time clauses, calls and other namespaces alone', () => {
    expect(withInterval('M::cpu:(avg(usage_total)) [1h::1m] BY host', 60)).toBe('M::cpu:(avg(usage_total)) [1h::1m] BY host');
    expect(withInterval('show_measurement()', 60)).toBe('show_measurement()');
    expect(withInterval('O::HOST', 60)).toBe('O::HOST');
    expect(withInterval("M::cpu {cpu IN ['a']}", 60)).toBe("M::cpu {cpu IN ['a']} [::60s]");
  });
  it('finds clauses outside brackets only', () => {
    expect(dqlShape('M::cpu:(avg(x)) BY host').clauseAt).toBe(16);
    expect(dqlShape("M::cpu {a = 'x' } ").hasTime).toBe(false);
  });
});

describe('queries in the URL', () => {
  it('round-trips several queries', () => {
    const specs = [
      { id: 'A', q: 'M::cpu:(avg(usage_total))', lang: 'dql' as const },
      { id: 'B', q: 'avg(mem_used_percent)', lang: 'promql' as const },
      { id: 'C', q: '', lang: 'dql' as const },
    ];
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(writeQueries(specs))) if (v) p.set(k, v);
    expect(p.get('q')).toBe(specs[0].q);
    expect(p.get('lang')).toBeNull();
    expect(p.get('langB')).toBe('promql');
    expect(readQueries(p)).toEqual(specs);
  });
  it('always has query A', () => {
    expect(readQueries(new URLSearchParams())).toEqual([{ id: 'A', q: '', lang: 'dql' }]);
  });
  it('clears removed queries', () => {
    const w = writeQueries([{ id: 'A', q: 'x', lang: 'dql' }]);
    expect(w.qB).toBeUndefined();
    expect('qB' in w && 'langB' in w).toBe(true);
  });
});

describe('tableRows', () => {
  it('flattens series newest first with their value columns', () => {
    const t = tableRows([{ id: 'A', series: [
      { name: 'cpu', tags: { host: 'h1' }, columns: ['time', 'v'], values: [[1000, 1], [3000, 3]] },
      { name: 'cpu', tags: { host: 'h2' }, columns: ['time', 'v'], values: [[2000, 2]] },
    ] }]);
    expect(t.columns).toEqual(['v']);
    expect(t.rows.map((r) => [r.series, r.time, r.values.v])).toEqual([
      ['cpu {host=h1}', 3000, 3], ['cpu {host=h2}', 2000, 2], ['cpu {host=h1}', 1000, 1]]);
  });
});

describe('parseDql', () => {
  it('reads back what the pickers build', () => {
    const bs = [
      { measurement: 'cpu', field: 'usage_total', agg: 'avg', filters: [{ key: 'host', op: '=' as const, value: 'h1' }], by: ['host'] },
      { measurement: 'diskio', field: 'read_bytes/sec', agg: 'max', filters: [{ key: 'name', op: '!=' as const, value: "it's" }], by: [] },
      { measurement: 'mem', field: '', agg: 'avg', filters: [], by: [] },
      { measurement: 'mem', field: 'used', agg: 'p99', filters: [], by: ['host'] },
    ];
    for (const b of bs) expect(parseDql(buildDql(b))).toEqual(b);
  });
  it('gives up on anything else', () => {
    expect(parseDql("M::cpu:(avg(usage_total)) {host = 'a', cpu = 'b'}")).toBeUndefined();
    expect(parseDql('M::cpu:(avg(a), max(b))')).toBeUndefined();
    expect(parseDql('M::cpu:(avg(usage_total)) [::1m]')).toBeUndefined();
    expect(parseDql('show_measurement()')).toBeUndefined();
  });
});
