import { describe, expect, it } from 'vitest';
import { applySuggestion, completionContext, rankSuggestions } from './completion';

const at = (s: string) => {
  const i = s.indexOf('|');
  return { text: s.slice(0, i) + s.slice(i + 1), cursor: i };
};
const ctx = (s: string, lang: 'dql' | 'promql' = 'dql') => {
  const { text, cursor } = at(s);
  return completionContext(text, cursor, lang);
};

describe('DQL completion context', () => {
  it('measurements after M::', () => {
    expect(ctx('M::cp|')).toMatchObject({ kind: 'measurement', prefix: 'cp', from: 3 });
    expect(ctx('M::|')).toMatchObject({ kind: 'measurement', prefix: '' });
  });
  it('fields and functions in the target list', () => {
    expect(ctx('M::cpu:(us|')).toMatchObject({ kind: 'target', prefix: 'us', measurement: 'cpu' });
    expect(ctx('M::cpu:(avg(us|))')).toMatchObject({ kind: 'target', prefix: 'us', measurement: 'cpu' });
  });
  it('tag keys in the filter and after BY', () => {
    expect(ctx('M::cpu:(avg(x)) {ho|')).toMatchObject({ kind: 'tagKey', prefix: 'ho', measurement: 'cpu' });
    expect(ctx("M::cpu:(avg(x)) {a = 'b', ho|}")).toMatchObject({ kind: 'tagKey', prefix: 'ho' });
    expect(ctx('M::cpu:(avg(x)) BY ho|')).toMatchObject({ kind: 'tagKey', prefix: 'ho' });
  });
  it('tag values in quotes and bare', () => {
    expect(ctx("M::cpu:(avg(x)) {host = 'we|'}")).toMatchObject({ kind: 'tagValue', key: 'host', prefix: 'we', quoted: true });
    expect(ctx('M::cpu {host = w|')).toMatchObject({ kind: 'tagValue', key: 'host', prefix: 'w', quoted: false });
    expect(ctx("M::cpu {host IN ['a', 'b|")).toMatchObject({ kind: 'tagValue', key: 'host', prefix: 'b' });
  });
  it('the start of a statement', () => {
    expect(ctx('cp|')).toMatchObject({ kind: 'start', prefix: 'cp' });
  });
  it('nothing inside a backtick name or after a value', () => {
    expect(ctx('M::cpu:(`us|')).toBeUndefined();
    expect(ctx("M::cpu {host = 'a' |")).toBeUndefined();
  });
});

describe('PromQL completion context', () => {
  it('metric names and functions', () => {
    expect(ctx('cpu_us|', 'promql')).toMatchObject({ kind: 'metric', prefix: 'cpu_us', from: 0 });
    expect(ctx('sum(rate(cpu_us|', 'promql')).toMatchObject({ kind: 'metric', prefix: 'cpu_us' });
  });
  it('labels in the selector and in by()', () => {
    expect(ctx('cpu_usage_total{ho|', 'promql')).toMatchObject({ kind: 'label', prefix: 'ho', measurement: 'cpu_usage_total' });
    expect(ctx('sum by (ho|', 'promql')).toMatchObject({ kind: 'label', prefix: 'ho' });
  });
  it('label values', () => {
    expect(ctx('cpu_usage_total{host="w|"}', 'promql'))
      .toMatchObject({ kind: 'labelValue', key: 'host', prefix: 'w', measurement: 'cpu_usage_total' });
  });
  it('nothing in a range', () => {
    expect(ctx('rate(x[5|', 'promql')).toBeUndefined();
  });
});

describe('suggestions', () => {
  it('ranks starts-with before contains', () => {
    const items = ['mem', 'cpu', 'diskio', 'disk'].map((m) => ({ label: m, insert: m }));
    expect(rankSuggestions(items, 'di').map((s) => s.label)).toEqual(['diskio', 'disk']);
    expect(rankSuggestions(items, 'e').map((s) => s.label)).toEqual(['mem']);
  });
  it('applies a suggestion over the prefix and the rest of the word', () => {
    const { text, cursor } = at('M::cp|u2:(x)');
    const c = completionContext(text, cursor, 'dql')!;
    expect(applySuggestion(text, cursor, c, { label: 'cpu', insert: 'cpu' })).toEqual({ text: 'M::cpu:(x)', cursor: 6 });
  });
  it('closes a quoted value', () => {
    let { text, cursor } = at("M::cpu {host = 'we|");
    let c = completionContext(text, cursor, 'dql')!;
    expect(applySuggestion(text, cursor, c, { label: 'web-1', insert: 'web-1' }))
      .toEqual({ text: "M::cpu {host = 'web-1'", cursor: 22 });
    ({ text, cursor } = at("M::cpu {host = 'we|'}"));
    c = completionContext(text, cursor, 'dql')!;
    expect(applySuggestion(text, cursor, c, { label: 'web-1', insert: 'web-1' }))
      .toEqual({ text: "M::cpu {host = 'web-1'}", cursor: 22 });
  });
});
