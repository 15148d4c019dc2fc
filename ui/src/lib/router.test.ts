import { describe, expect, it } from 'vitest';
import { formatHash, matchPath, parseHash } from './router';

describe('hash router', () => {
  it('splits path and query', () => {
    const loc = parseHash('#/apm/traces/abc?service=cart&from=now-1h');
    expect(loc.path).toBe('/apm/traces/abc');
    expect(loc.query.get('service')).toBe('cart');
    expect(parseHash('').path).toBe('/');
    expect(parseHash('#').path).toBe('/');
  });
  it('matches patterns with params', () => {
    expect(matchPath('/apm/traces/:id', '/apm/traces/a%2Fb')).toEqual({ id: 'a/b' });
    expect(matchPath('/apm/traces/:id', '/apm/traces')).toBeUndefined();
    expect(matchPath('/logs', '/logs')).toEqual({});
    expect(matchPath('/logs', '/ci')).toBeUndefined();
  });
  it('formats round trips', () => {
    const h = formatHash('/logs', { q: 'status:error "a b"' });
    expect(parseHash(h).query.get('q')).toBe('status:error "a b"');
  });
});
