// The logs area: the logs explorer at /logs. Its state lives in the URL: ?q= (the query, which
// also holds the facet filters as key:value terms), ?from=&to= (the time range), ?facets= (extra
// facet keys), ?live=1 (live tail). Search, facets and histogram load in parallel over the same
// resolved range; more rows load with the search cursor as the list scrolls.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Page } from '../../components/Page';
import { Empty, ErrorBox, Loading } from '../../components/States';
import { ApiError, get } from '../../lib/api';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { setQuery, useLocation } from '../../lib/router';
import { resolveRange } from '../../lib/time';
import type { PageRoute } from '../../routes';
import { Facets } from './Facets';
import { Histogram } from './Histogram';
import { LiveTail } from './LiveTail';
import { LogTable } from './LogTable';
import {
  baseParams, errorPosition, highlightTerms, toggleFacet, type FacetsResponse, type HistogramResponse, type LogRow,
  type SearchResponse,
} from './query';
import { SearchBar } from './SearchBar';
import './logs.css';

const DEFAULT_FACETS = ['status', 'service', 'source', 'host'];
const PAGE = 100;

function SendLogsHint() {
  const agent = `${location.hostname}:9529`;
  return (
    <div class="logs-hint">
      <p>Collect log files with the agent's <code>logging</code> input (<code>conf.d/logging.conf</code>):</p>
      <pre>{`[[inputs.logging]]
  logfiles = ["/var/log/nginx/access.log"]
  source   = "nginx"
  service  = "web"`}</pre>
      <p>or write lines to the agent's DataKit API (line protocol; the measurement is the source):</p>
      <pre>{`curl -X POST http://${agent}/v1/write/logging \\
  --data-binary 'nginx,host=web-1,service=web message="GET / 200",status="info"'`}</pre>
      <p class="hint">
        Agents upload to this server's <code>/v1/write/logging?token=&lt;token&gt;</code>. Container stdout logs
        are collected by the <code>container</code> input.
      </p>
    </div>
  );
}

function LogsExplorer() {
  const loc = useLocation();
  const q = loc.query.get('q') ?? '';
  const live = loc.query.get('live') === '1';
  const extra = (loc.query.get('facets') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const facetKeys = useMemo(() => [...new Set([...DEFAULT_FACETS, ...extra])], [extra.join(',')]);
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const hl = useMemo(() => highlightTerms(q), [q]);

  // One resolved [start, end] for the three requests and for the pages that follow.
  const span = useMemo(() => {
    try {
      const [start, end] = resolveRange(range);
      return { start, end };
    } catch (e) {
      return { error: e as Error };
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [range.from, range.to, tick]);
  const params = useMemo(() => (span.error ? undefined : baseParams({ q, start: span.start!, end: span.end! })),
                         [span, q]);
  // Once more pages of rows are loaded the list stops following auto refresh (it would drop
  // them); the histogram and facets still refresh. A new query or range, or "Back to newest",
  // unfreezes it.
  const viewKey = `${q}\u0000${range.from}\u0000${range.to}`;
  const [frozenKey, setFrozenKey] = useState('');
  const frozenParams = useRef(params);
  const frozen = frozenKey === viewKey;
  if (!frozen) frozenParams.current = params;
  const listParams = frozen ? frozenParams.current : params;

  // Live tail mode streams instead: nothing to load here.
  const idle = <T,>() => new Promise<T>(() => {});
  const search = useAsync((signal) => (live ? idle<SearchResponse>() : listParams
    ? get<SearchResponse>('/v1/logs/search', { ...listParams, limit: PAGE }, signal)
    : Promise.reject(span.error)), [listParams, live]);
  const facets = useAsync((signal) => (live ? idle<FacetsResponse>() : params
    ? get<FacetsResponse>('/v1/logs/facets', { ...params, facet: facetKeys.join(','), top: 10 }, signal)
    : Promise.reject(span.error)), [params, facetKeys, live]);
  const histogram = useAsync((signal) => (live ? idle<HistogramResponse>() : params
    ? get<HistogramResponse>('/v1/logs/histogram', { ...params, interval: 'auto', split: 'status' }, signal)
    : Promise.reject(span.error)), [params, live]);

  const onExtend = useCallback(() => setFrozenKey(viewKey), [viewKey]);
  const reloadSearch = search.reload;
  const onNewest = useCallback(() => {
    setFrozenKey('');
    reloadSearch();
    window.scrollTo(0, 0);
  }, [reloadSearch]);
  const setQ = useCallback((v: string) => setQuery({ q: v || undefined }), []);
  const onFilter = useCallback((key: string, value: string, exclude: boolean) => {
    const cur = new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '';
    setQuery({ q: toggleFacet(cur, key, value, exclude) || undefined });
  }, []);
  const setAbsolute = useCallback((from: number, to: number) => {
    if (to - from < 1000) to = from + 1000;
    setQuery({ from: String(Math.floor(from)), to: String(Math.ceil(to)) });
  }, []);

  const badQuery = [search.error, facets.error, histogram.error]
    .find((e) => e instanceof ApiError && e.code === 'sextant.badQuery');

  return (
    <Page
      title="Logs"
      timePicker={!live}
      actions={
        <button class={`btn ${live ? 'primary' : ''} logs-live-btn`} data-testid="logs-live-toggle"
                title={live ? 'Back to search' : 'Stream new logs as they arrive'}
                onClick={() => setQuery({ live: live ? undefined : '1' })}>
          {live ? '■ Stop live tail' : '● Live tail'}
        </button>
      }
    >
      <SearchBar q={q} onSearch={setQ} />
      {badQuery && <BadQuery q={q} error={badQuery} />}
      {live ? (
        !badQuery && <LiveTail q={q} re={hl.re} onFilter={onFilter} />
      ) : badQuery ? null : (
        <>
          <section class="panel logs-histogram-panel" data-testid="logs-histogram-panel">
            <div class="panel-head">
              <h2>
                <span data-testid="logs-total">
                  {histogram.data ? histogram.data.total.toLocaleString() : '…'}
                </span>{' '}
                logs
                {histogram.data && (
                  <span class="hint"> · {formatInterval(histogram.data.interval_ms)} buckets · drag or click a bar to zoom</span>
                )}
              </h2>
            </div>
            {histogram.error ? <ErrorBox error={histogram.error} />
              : histogram.data && !span.error ? (
                <Histogram data={histogram.data} start={span.start!} end={span.end!} onRange={setAbsolute} />
              ) : <div class="logs-histogram-skeleton"><Loading /></div>}
          </section>
          <div class="logs-main">
            <Facets data={facets.data} keys={facetKeys} q={q} onToggle={onFilter} defaults={DEFAULT_FACETS}
                    onAddKey={(k) => setQuery({ facets: [...extra.filter((x) => x !== k), k].join(',') })}
                    onRemoveKey={(k) => setQuery({ facets: extra.filter((x) => x !== k).join(',') || undefined })} />
            <Results first={search} params={listParams} re={hl.re} q={q} onFilter={onFilter}
                     total={histogram.data?.total} frozen={frozen}
                     onExtend={onExtend} onNewest={onNewest} />
          </div>
        </>
      )}
    </Page>
  );
}

// The server's message for a bad query, with a caret under the position it reported.
function BadQuery({ q, error }: { q: string; error: Error }) {
  const pos = errorPosition(error.message);
  // The position is a byte offset; the caret goes under the character that starts there.
  const chars = pos === undefined ? undefined : new TextDecoder().decode(new TextEncoder().encode(q).slice(0, pos)).length;
  return (
    <div class="logs-bad-query" data-testid="logs-bad-query">
      <ErrorBox error={error} />
      {chars !== undefined && (
        <pre class="logs-caret-line">{q}{'\n'}{' '.repeat(chars)}^</pre>
      )}
    </div>
  );
}

function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

// The rows: the first page, then pages after the cursor, on scroll or "Load more".
function Results({ first, params, re, q, onFilter, total, frozen, onExtend, onNewest }: {
  first: { data?: SearchResponse; error?: Error; loading: boolean };
  params?: Record<string, string | number>;
  re?: RegExp;
  q: string;
  onFilter: (key: string, value: string, exclude: boolean) => void;
  total?: number;
  frozen: boolean;
  onExtend: () => void;
  onNewest: () => void;
}) {
  const [more, setMore] = useState<{ rows: LogRow[]; next: string | null; loading: boolean; error?: Error }>(
    { rows: [], next: null, loading: false });
  useEffect(() => {
    setMore({ rows: [], next: first.data?.next ?? null, loading: false });
  }, [first.data]);
  const rows = useMemo(() => (first.data ? first.data.rows.concat(more.rows) : []), [first.data, more.rows]);
  const loadingRef = useRef(false);
  const loadMore = useCallback(async () => {
    if (!params || !more.next || loadingRef.current) return;
    loadingRef.current = true;
    setMore((m) => ({ ...m, loading: true, error: undefined }));
    try {
      const r = await get<SearchResponse>('/v1/logs/search', { ...params, limit: PAGE, search_after: more.next });
      setMore((m) => ({ rows: m.rows.concat(r.rows), next: r.next, loading: false }));
      onExtend();
    } catch (e) {
      setMore((m) => ({ ...m, loading: false, error: e as Error }));
    } finally {
      loadingRef.current = false;
    }
  }, [params, more.next, onExtend]);

  // Infinite scroll: load the next page when the end of the list comes into view.
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !more.next || more.error) return;
    const io = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && loadMore(),
                                        { rootMargin: '300px' });
    io.observe(el);
    return () => io.disconnect();
  }, [loadMore, more.next, more.error]);

  let body;
  if (first.error) body = <ErrorBox error={first.error} />;
  else if (!first.data) body = <Loading />;
  else if (rows.length === 0) {
    body = q.trim() ? (
      <Empty title="No logs match this query in this time range">
        <p>Widen the time range, or remove terms from the query.</p>
      </Empty>
    ) : (
      <Empty title="No logs in this time range"><SendLogsHint /></Empty>
    );
  } else {
    body = (
      <>
        <LogTable key={q} rows={rows} re={re} onFilter={onFilter} />
        <div ref={sentinel} class="logs-more">
          {more.error && <ErrorBox error={more.error} />}
          {more.next ? (
            <button class="btn" data-testid="logs-load-more" disabled={more.loading} onClick={loadMore}>
              {more.loading ? 'Loading…' : 'Load more'}
            </button>
          ) : (
            <span class="hint" data-testid="logs-end">End of results · {rows.length.toLocaleString()} shown</span>
          )}
        </div>
      </>
    );
  }
  return (
    <section class="panel logs-results" data-testid="logs-results">
      <div class="panel-head">
        <h2>
          Logs <span class="hint">newest first
            {first.data && ` · ${rows.length.toLocaleString()}${total !== undefined ? ` of ${total.toLocaleString()}` : ''} shown`}
          </span>
        </h2>
        <span class="logs-results-actions">
          {first.loading && first.data && <span class="hint">updating…</span>}
          {frozen && more.rows.length > 0 && (
            <button class="btn small" data-testid="logs-newest" onClick={onNewest}
                    title="The list does not follow auto refresh while more pages are loaded">
              ↑ Back to newest
            </button>
          )}
        </span>
      </div>
      {body}
    </section>
  );
}

export const routes: PageRoute[] = [{ pattern: '/logs', component: LogsExplorer }];
