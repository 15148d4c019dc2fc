import { describe, expect, it } from 'vitest';
import hostOverview from '../../../../dashboards/host_overview.json';
import { ALL, decodeVarValue, encodeVarValue, exportJson, initialValue, moveChart, newDashboard,
         normalize, parseImport, parseLabelValues, queryVariables, referencedVariables,
         substitutePromql, validate, withInterval, type Dashboard } from './model';

describe('validate', () => {
  it('accepts the built-in Host Overview', () => {
    expect(validate(hostOverview)).toEqual([]);
  });
  it('names what is wrong, like the server', () => {
    expect(validate([1])).toEqual(['the dashboard must be a JSON object']);
    expect(validate({})).toEqual(['title: missing']);
    expect(validate({ title: '  ' })).toEqual(['title: must not be empty']);
    expect(validate({ title: 't', groups: [{ charts: [{ type: 'pies' }] }] })).toEqual([
      'groups[0].charts[0].type: unknown chart type "pies" (timeseries, bar, stat, table, pie, toplist, gauge)',
    ]);
    expect(validate({ title: 't', groups: [{ charts: [{ type: 'bar', queries: [{ lang: 'sql', q: 'x' }] }] }] }))
      .toEqual(['groups[0].charts[0].queries[0].lang: must be "dql" or "promql"']);
    expect(validate({ title: 't', variables: [{ name: 'h' }, { name: 'h' }] }))
      .toEqual(['variables[1].name: "h" is defined twice']);
    const many = { title: 't', groups: [{ charts: Array.from({ length: 201 }, () => ({ type: 'stat' })) }] };
    expect(validate(many)).toEqual(['too many charts: more than 200']);
    const big = JSON.stringify({ title: 't', x: 'y'.repeat(1 << 20) });
    expect(validate(JSON.parse(big), big)).toEqual(['dashboard too big: over 1048576 bytes']);
  });
});

describe('normalize (defaults and migration)', () => {
  it('fills chart defaults', () => {
    const d = normalize({ title: 'x', groups: [{ charts: [{ type: 'stat', queries: [{ q: 'M::cpu' }] }] }] });
    expect(d.groups[0].charts[0]).toEqual({ id: 'c0', title: '', type: 'stat', unit: '', width: 6, options: {},
                                            queries: [{ lang: 'dql', q: 'M::cpu' }] });
    expect(d.tags).toEqual([]);
    expect(d.variables).toEqual([]);
    expect(d.schema_version).toBe(1);
  });
  it('migrates older shapes: charts without groups, one query string, singlestat', () => {
    const d = normalize({ title: 'old', charts: [{ kind: 'singlestat', query: 'up', lang: 'promql', width: 40 }] });
    expect(d.groups).toHaveLength(1);
    const c = d.groups[0].charts[0];
    expect(c.type).toBe('stat');
    expect(c.queries).toEqual([{ lang: 'promql', q: 'up' }]);
    expect(c.width).toBe(12);
  });
  it('keeps the server fields, which export and import drop', () => {
    const d = normalize({ id: 'abc', version: 4, created: 1, updated: 2, title: 't' });
    expect(d.version).toBe(4);
    const text = exportJson(d);
    expect(JSON.parse(text)).not.toHaveProperty('id');
    expect(JSON.parse(text)).not.toHaveProperty('version');
    const back = parseImport(text);
    expect(back.errors).toEqual([]);
    expect(back.dashboard).toEqual({ title: 't', tags: [], schema_version: 1, variables: [], groups: [] });
  });
  it('import refuses bad JSON with the reason', () => {
    expect(parseImport('{"title":').errors[0]).toMatch(/^bad JSON: /);
    expect(parseImport('{"groups":[]}').errors).toEqual(['title: missing']);
  });
});

describe('variables', () => {
  it('substitutes PromQL: one value, several as a regex, all as .*', () => {
    const q = 'avg by (host) (cpu_usage_total{host=~"#{host}", dc="#{dc}", x="#{unknown}"})';
    expect(substitutePromql(q, { host: ['web-1'], dc: [ALL] }))
      .toBe('avg by (host) (cpu_usage_total{host=~"web-1", dc=".*", x="#{unknown}"})');
    expect(substitutePromql('up{host=~"#{host}"}', { host: ['a.b', 'c'] })).toBe('up{host=~"a\\.b|c"}');
  });
  it('sends DQL variables as the server expects', () => {
    expect(queryVariables({ a: ['x'], b: ['x', 'y'], c: [ALL], d: [] }))
      .toEqual({ a: 'x', b: ['x', 'y'], c: ALL, d: ALL });
  });
  it('picks initial values: default, else all, else the first option', () => {
    expect(initialValue({ name: 'h', type: 'query', default: 'web-1' }, [])).toEqual(['web-1']);
    expect(initialValue({ name: 'h', type: 'query' }, ['a'])).toEqual([ALL]);
    expect(initialValue({ name: 'h', type: 'custom', include_all: false }, ['a', 'b'])).toEqual(['a']);
  });
  it('round-trips URL values with commas', () => {
    const vs = ['a,b', '50%', 'c'];
    expect(decodeVarValue(encodeVarValue(vs))).toEqual(vs);
    expect(decodeVarValue('')).toEqual([]);
  });
  it('finds references and label_values()', () => {
    expect(referencedVariables("M::cpu {host = '#{host}', x = '#{host}', y = '#{dc}'}")).toEqual(['host', 'dc']);
    expect(parseLabelValues('label_values(up{job="x"}, instance)')).toEqual({ selector: 'up{job="x"}', label: 'instance' });
    expect(parseLabelValues('up')).toBeUndefined();
  });
});

describe('withInterval', () => {
  it('adds a bucket clause before BY and the other trailing clauses', () => {
    expect(withInterval("M::cpu:(avg(usage_total)) {host = '#{host}'} BY host", 60))
      .toBe("M::cpu:(avg(usage_total)) {host = '#{host}'} [::60s] BY host");
    expect(withInterval('M::cpu:(avg(usage_total))', 10)).toBe('M::cpu:(avg(usage_total)) [::10s]');
    expect(withInterval('M::cpu:(avg(x)) BY host SLIMIT 5', 30)).toBe('M::cpu:(avg(x)) [::30s] BY host SLIMIT 5');
    expect(withInterval("L('default')::nginx:(count(*)) { msg = ' BY x' } ORDER BY time", 5))
      .toBe("L('default')::nginx:(count(*)) { msg = ' BY x' } [::5s] ORDER BY time");
  });
  it('leaves queries with a time clause, and call statements, alone', () => {
    expect(withInterval('M::cpu:(avg(x)) [1h::1m] BY host', 60)).toBe('M::cpu:(avg(x)) [1h::1m] BY host');
    expect(withInterval("show_tag_value(from=['cpu'], keyin=['host'])", 60))
      .toBe("show_tag_value(from=['cpu'], keyin=['host'])");
    expect(withInterval('M::diskio:(sum(`read_bytes/sec`) AS read)', 60)).toBe('M::diskio:(sum(`read_bytes/sec`) AS read) [::60s]');
  });
});

describe('moveChart', () => {
  const d: Dashboard = {
    ...newDashboard(),
    groups: [
      { title: 'a', charts: ['1', '2'].map((id) => ({ id, title: id, type: 'stat', queries: [], unit: '', width: 3, options: {} })) },
      { title: 'b', charts: ['3'].map((id) => ({ id, title: id, type: 'stat', queries: [], unit: '', width: 3, options: {} })) },
    ],
  };
  const ids = (x: Dashboard) => x.groups.map((g) => g.charts.map((c) => c.id).join(''));
  it('reorders within a group and across groups at the edges', () => {
    expect(ids(moveChart(d, 0, 0, 1))).toEqual(['21', '3']);
    expect(ids(moveChart(d, 0, 1, 1))).toEqual(['1', '23']);
    expect(ids(moveChart(d, 1, 0, -1))).toEqual(['123', '']);
    expect(ids(moveChart(d, 0, 0, -1))).toEqual(['12', '3']);
    expect(ids(d)).toEqual(['12', '3']);
  });
});
