import { describe, expect, it } from 'vitest';
import {
  attributes, baseParams, facetState, facetTerm, highlightTerms, histogramSeries, message,
  pixelToTime, prettyJson, pushCapped, quoteValue, splitHighlight, statusClass, tailUrl,
  toggleFacet, tokenize, traceIdOf, rowKeys, errorPosition, contextLink, type LogRow,
} from './query';

const hl = (q: string, text: string) =>
  splitHighlight(text, highlightTerms(q).re).filter((s) => s.hit).map((s) => s.text);

describe('tokenize', () => {
  it('splits words, phrases, key:value and groups', () => {
    const t = tokenize('timeout "a \\"b\\"" status:(error OR warn) host:"a b" -x');
    expect(t.map((x) => x.kind)).toEqual(['word', 'phrase', 'word', 'lparen', 'word', 'word', 'word',
                                          'rparen', 'word', 'phrase', 'word']);
    expect(t[1]).toMatchObject({ text: 'a "b"' });
    expect(t[2]).toMatchObject({ key: 'status', raw: '' });
    expect(t[8]).toMatchObject({ key: 'host', raw: '' });
  });
  it('keeps escapes literal', () => {
    const [w] = tokenize('a\\:b\\*');
    expect(w).toMatchObject({ kind: 'word', text: 'a:b*', wildcard: false, key: undefined });
  });
});

describe('highlighting', () => {
  it('highlights words case-insensitively as whole words', () => {
    expect(hl('timeout', 'Timeout while reading; timeouts=3')).toEqual(['Timeout']);
    expect(hl('db-2', 'db 2 on db-2')).toEqual(['db', '2', 'db', '2']);
  });
  it('highlights phrases and wildcards', () => {
    expect(hl('"connection reset"', 'peer: connection  reset by peer; connection ok')).toEqual(['connection  reset']);
    expect(hl('time*', 'timed out at timestamp, overtime')).toEqual(['timed', 'timestamp']);
    expect(hl('t?me', 'time tame tim')).toEqual(['time', 'tame']);
  });
  it('skips key:value, negated terms and keywords', () => {
    expect(highlightTerms('status:error service:(a OR b) host:"x y" -debug NOT trace (foo OR bar) AND baz').terms)
      .toEqual(['foo', 'bar', 'baz']);
    expect(highlightTerms('NOT (a b) c').terms).toEqual(['c']);
    expect(highlightTerms('').re).toBeUndefined();
    expect(highlightTerms('*').re).toBeUndefined();
  });
  it('splits text into segments', () => {
    expect(splitHighlight('GET /api 500 error', highlightTerms('error 500').re)).toEqual([
      { text: 'GET /api ', hit: false }, { text: '500', hit: true }, { text: ' ', hit: false },
      { text: 'error', hit: true },
    ]);
    expect(splitHighlight('abc')).toEqual([{ text: 'abc', hit: false }]);
  });
});

describe('facet terms', () => {
  it('quotes values that need it', () => {
    expect(quoteValue('web')).toBe('web');
    expect(quoteValue('a b')).toBe('"a b"');
    expect(quoteValue('OR')).toBe('"OR"');
    expect(quoteValue('x:y')).toBe('"x:y"');
    expect(quoteValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(quoteValue('')).toBe('""');
    expect(facetTerm('status', 'error', true)).toBe('-status:error');
  });
  it('adds, removes and flips terms', () => {
    expect(toggleFacet('', 'service', 'web')).toBe('service:web');
    expect(toggleFacet('timeout', 'service', 'web')).toBe('timeout service:web');
    expect(toggleFacet('timeout service:web', 'service', 'web')).toBe('timeout');
    expect(toggleFacet('timeout service:web', 'service', 'web', true)).toBe('timeout -service:web');
    expect(toggleFacet('-service:web x', 'service', 'web')).toBe('x service:web');
    expect(toggleFacet('host:"a b" x', 'host', 'a b')).toBe('x');
    expect(toggleFacet('a OR b', 'status', 'error')).toBe('(a OR b) status:error');
    expect(toggleFacet('(a OR b) status:(error OR warn)', 'status', 'info'))
      .toBe('(a OR b) status:(error OR warn) status:info');
  });
  it('reads the state of a facet value', () => {
    expect(facetState('x service:web', 'service', 'web')).toBe('include');
    expect(facetState('x NOT service:web', 'service', 'web')).toBe('exclude');
    expect(facetState('x -host:"a b"', 'host', 'a b')).toBe('exclude');
    expect(facetState('(service:web OR y)', 'service', 'web')).toBeUndefined();
    expect(facetState('service:web*', 'service', 'web')).toBeUndefined();
  });
});

const ROW: LogRow = {
  time: 1763700009900,
  time_ns: 1763700009900000000,
  source: 'nginx',
  tags: { host: 'h1', service: 'web' },
  fields: { message: '{"a":1,"b":[2]}', status: 'error', code: 200, trace_id: 't-1' },
};

describe('rows', () => {
  it('reads status, message, attributes and the trace id', () => {
    expect(statusClass('ERROR')).toBe('error');
    expect(statusClass('warning')).toBe('warn');
    expect(statusClass('notice')).toBe('info');
    expect(statusClass('OK')).toBe('ok');
    expect(statusClass('')).toBe('unknown');
    expect(message(ROW)).toBe('{"a":1,"b":[2]}');
    expect(traceIdOf(ROW)).toBe('t-1');
    expect(attributes(ROW).map((a) => `${a.kind}:${a.key}=${a.value}`)).toEqual([
      'tag:source=nginx', 'tag:host=h1', 'tag:service=web', 'field:code=200', 'field:status=error',
      'field:trace_id=t-1',
    ]);
  });
  it('pretty-prints JSON messages only', () => {
    expect(prettyJson('{"a":1,"b":[2]}')).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
    expect(prettyJson('{not json}')).toBeUndefined();
    expect(prettyJson('plain text')).toBeUndefined();
  });
});

describe('histogram and requests', () => {
  it('stacks one series per status, errors first, coloured', () => {
    const s = histogramSeries({
      interval_ms: 1000, total: 6,
      buckets: [{ time: 0, count: 3, split: { info: 2, error: 1 } }, { time: 1000, count: 3, split: { warn: 1, '': 2 } }],
    });
    expect(s.map((x) => x.name)).toEqual(['error', 'warn', 'info', '(none)']);
    expect(s[0].color).toBe('#dc2626');
    expect(s[2].data).toEqual([[0, 2], [1000, 0]]);
  });
  it('maps pixels to times', () => {
    expect(pixelToTime(50, 50, 100, 1000, 2000)).toBe(1000);
    expect(pixelToTime(100, 50, 100, 1000, 2000)).toBe(1500);
    expect(pixelToTime(500, 50, 100, 1000, 2000)).toBe(2000);
  });
  it('builds parameters and the tail URL', () => {
    expect(baseParams({ q: '  ', start: 1, end: 2 })).toEqual({ start: 1, end: 2 });
    expect(baseParams({ q: 'a b', start: 1, end: 2 })).toEqual({ start: 1, end: 2, q: 'a b' });
    expect(tailUrl('status:error', 'tkn_x')).toBe('/v1/logs/tail?token=tkn_x&q=status%3Aerror');
  });
  it('keeps a capped newest-first buffer', () => {
    expect(pushCapped([3, 2, 1], [4, 5], 4)).toEqual([5, 4, 3, 2]);
  });
});

describe('row keys and errors', () => {
  it('keys rows by content, numbering identical rows', () => {
    const other = { ...ROW, fields: { ...ROW.fields, message: 'other' } };
    const k = rowKeys([ROW, other, ROW]);
    expect(new Set(k).size).toBe(3);
    expect(k[2]).toBe(`${k[0]}:1`);
    expect(rowKeys([other, ROW])[1]).toBe(k[0]);
    expect(rowKeys([{ ...ROW, _id: 'c1.x' }])).toEqual(['c1.x']);
  });
  it('reads the position of a bad query', () => {
    expect(errorPosition('invalid parameter "q": unterminated quote at position 12')).toBe(12);
    expect(errorPosition('other')).toBeUndefined();
  });
});

describe('context', () => {
  it('links to the same source, host, service and file around the row', () => {
    expect(contextLink({ ...ROW, tags: { ...ROW.tags, host: 'h 1' }, fields: { ...ROW.fields, filepath: '/var/log/a.log' } }, 60_000))
      .toEqual({ q: 'source:nginx host:"h 1" service:web filepath:/var/log/a.log', from: '1763699979900', to: '1763700039900' });
  });
});
