import { describe, expect, it } from 'vitest';
import { matchPath, parseHash, formatHash } from '../../lib/router';
import { filtersOf, rumParams, sessionPath } from './api';

describe('rum api helpers', () => {
  it('routes a derived session id (abc#2) through the hash and back', () => {
    const path = sessionPath('abc#2');
    expect(path).toBe('/rum/sessions/abc%232');
    const loc = parseHash(formatHash(path, { from: 'now-1h' }));
    expect(matchPath('/rum/sessions/:id', loc.path)).toEqual({ id: 'abc#2' });
    expect(loc.query.get('from')).toBe('now-1h');
  });
  it('reads the filters from the URL and builds the parameters', () => {
    const f = filtersOf(new URLSearchParams('app_id=shop&env=&version=2&x=1&browser=Chrome'));
    expect(f).toEqual({ app_id: 'shop', version: '2', browser: 'Chrome' });
    expect(rumParams({ from: '1795320000000', to: '1795324000000' }, f, { limit: 5 }))
      .toEqual({ start: 1795320000000, end: 1795324000000, app_id: 'shop', version: '2', browser: 'Chrome', limit: 5 });
  });
});
