// Data loading and the shared time range. Pages load with useAsync(), keyed on their inputs and
// on the refresh tick, and read the time range the picker put in the URL with useTimeRange().
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { setQuery, useLocation } from './router';
import { DEFAULT_RANGE, parseDuration, type TimeRange } from './time';

export interface AsyncState<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

// Runs fn whenever deps change (or reload() is called); a newer run aborts the older one, so a
// slow answer never overwrites a newer one. Data of the previous run stays until the new one
// lands (charts do not flash empty on auto refresh).
export function useAsync<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [nonce, setNonce] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    fnRef.current(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, loading: false }),
      (error) => !ctl.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

// The range in the URL (?from=&to=), the default otherwise, with its setter.
export function useTimeRange(): [TimeRange, (r: TimeRange) => void] {
  const loc = useLocation();
  const range = {
    from: loc.query.get('from') ?? DEFAULT_RANGE.from,
    to: loc.query.get('to') ?? DEFAULT_RANGE.to,
  };
  const set = useCallback((r: TimeRange) => setQuery({ from: r.from, to: r.to }), []);
  return [range, set];
}

// A counter that goes up every ?refresh= interval ("10s", "1m"; none: never), for useAsync deps.
// Also bumps when the time picker's refresh button is pressed (the 'sextant:refresh' event).
export function useRefreshTick(): number {
  const loc = useLocation();
  const every = parseDuration(loc.query.get('refresh') ?? '');
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((t) => t + 1);
    window.addEventListener('sextant:refresh', bump);
    const id = every ? window.setInterval(bump, every) : undefined;
    return () => {
      window.removeEventListener('sextant:refresh', bump);
      if (id) window.clearInterval(id);
    };
  }, [every]);
  return tick;
}

export function refreshNow(): void {
  window.dispatchEvent(new Event('sextant:refresh'));
}
