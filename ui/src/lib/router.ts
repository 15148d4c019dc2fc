// Hash routing: "#/apm/traces/abc?service=cart&from=now-1h". Paths never collide with the
// server's own routes (/metrics, /v1/...), and every view is a link that survives a reload.
// The query part holds a page's state (filters, the time range, the refresh interval), so
// setting it (setQuery) is how pages remember what the user picked.
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string; // "/apm/traces/abc"
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = h.indexOf('?');
  const path = (q < 0 ? h : h.slice(0, q)) || '/';
  return { path, query: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

export function formatHash(path: string, query?: URLSearchParams | Record<string, string>): string {
  const q = query instanceof URLSearchParams ? query : new URLSearchParams(query ?? {});
  const s = q.toString();
  return `#${path}${s ? `?${s}` : ''}`;
}

// Matches "/apm/traces/:id" against a path; the params, or undefined.
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  if (ps.length !== xs.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) params[ps[i].slice(1)] = decodeURIComponent(xs[i]);
    else if (ps[i] !== xs[i]) return undefined;
  }
  return params;
}

export function navigate(path: string, query?: URLSearchParams | Record<string, string>): void {
  location.hash = formatHash(path, query);
}

// Changes some query keys of the current location (undefined or '' removes a key). `replace`
// keeps the browser history clean for typing-speed updates.
export function setQuery(changes: Record<string, string | undefined>, replace = false): void {
  const loc = parseHash(location.hash);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') loc.query.delete(k);
    else loc.query.set(k, v);
  }
  const hash = formatHash(loc.path, loc.query);
  if (replace) history.replaceState(null, '', hash);
  else location.hash = hash;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setLoc(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return loc;
}

// A link's href for a route.
export function href(path: string, query?: Record<string, string>): string {
  return formatHash(path, query);
}
