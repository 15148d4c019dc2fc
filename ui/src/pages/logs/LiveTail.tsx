// Live tail: the server-sent events of /v1/logs/tail for the current query, newest on top, in a
// capped buffer. Pause keeps the stream open and holds the new lines until resume. EventSource
// cannot send headers, so the token goes in ?token=; the query is first checked with a one-row
// search so a bad query shows the server's message (an EventSource error carries none).
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBox, Loading } from '../../components/States';
import { get } from '../../lib/api';
import { useAsync } from '../../lib/hooks';
import { currentToken } from '../../lib/session';
import { LogTable } from './LogTable';
import { pushCapped, tailUrl, type LogRow } from './query';

export const TAIL_CAP = 1000;

type Status = 'checking' | 'connecting' | 'live' | 'reconnecting' | 'closed';

export function LiveTail({ q, re, onFilter }: {
  q: string;
  re?: RegExp;
  onFilter: (key: string, value: string, exclude: boolean) => void;
}) {
  const [rows, setRows] = useState<LogRow[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState(0);
  const [status, setStatus] = useState<Status>('checking');
  const [streamError, setStreamError] = useState<string | undefined>();
  const [received, setReceived] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const incoming = useRef<LogRow[]>([]); // arrived, not shown yet (paused, or until the next frame)

  const check = useAsync((signal) => get('/v1/logs/search', { q: q.trim() || undefined, limit: 1 }, signal), [q]);
  const ok = !!check.data && !check.error && !check.loading;

  useEffect(() => {
    if (!ok) return;
    setRows([]);
    incoming.current = [];
    setHeld(0);
    setReceived(0);
    setStreamError(undefined);
    setStatus('connecting');
    const es = new EventSource(tailUrl(q, currentToken()));
    let timer: number | undefined;
    const flush = () => {
      timer = undefined;
      if (pausedRef.current) {
        setHeld(incoming.current.length);
        return;
      }
      const batch = incoming.current;
      incoming.current = [];
      setRows((r) => pushCapped(r, batch, TAIL_CAP));
    };
    es.onopen = () => setStatus('live');
    es.onmessage = (e) => {
      try {
        const row = JSON.parse(e.data) as LogRow;
        row._id = e.lastEventId || undefined;
        incoming.current.push(row);
        if (incoming.current.length > TAIL_CAP) incoming.current.splice(0, incoming.current.length - TAIL_CAP);
        setReceived((n) => n + 1);
        if (timer === undefined) timer = window.setTimeout(flush, 100);
      } catch {
        /* not a row */
      }
    };
    es.addEventListener('error', (e) => {
      const data = (e as MessageEvent).data;
      if (typeof data === 'string' && data) {
        // The server's `event: error` (storage error): the stream ends.
        setStreamError(data);
        es.close();
        setStatus('closed');
      } else {
        setStatus(es.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting');
      }
    });
    return () => {
      es.close();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [q, ok]);

  const resume = () => {
    setPaused(false);
    const batch = incoming.current;
    incoming.current = [];
    setHeld(0);
    setRows((r) => pushCapped(r, batch, TAIL_CAP));
  };

  if (check.error) return <ErrorBox error={check.error} />;
  return (
    <section class="panel logs-tail" data-testid="logs-tail">
      <div class="panel-head">
        <h2>
          <span class={`logs-live-dot ${paused ? 'paused' : status}`} />
          <span data-testid="logs-tail-status">{paused ? 'paused' : status === 'checking' ? 'connecting' : status}</span>
          <span class="hint logs-tail-count">
            {' '}· {rows.length.toLocaleString()} line{rows.length === 1 ? '' : 's'} shown (last {TAIL_CAP.toLocaleString()} kept)
            · {received.toLocaleString()} received
          </span>
        </h2>
        <div class="toolbar">
          {paused ? (
            <button class="btn primary" data-testid="logs-tail-resume" onClick={resume}>
              ▶ Resume{held ? ` (${held.toLocaleString()} new)` : ''}
            </button>
          ) : (
            <button class="btn" data-testid="logs-tail-pause" onClick={() => setPaused(true)}>❚❚ Pause</button>
          )}
          <button class="btn" onClick={() => setRows([])} data-testid="logs-tail-clear">Clear</button>
        </div>
      </div>
      {streamError && <ErrorBox error={new Error(streamError)} />}
      {!ok && <Loading label="Connecting…" />}
      {ok && rows.length === 0 && (
        <div class="state" data-testid="logs-tail-waiting">
          Waiting for new logs{q.trim() ? <> matching <code>{q.trim()}</code></> : ''}… Lines appear here as they arrive.
        </div>
      )}
      {rows.length > 0 && <LogTable rows={rows} re={re} onFilter={onFilter} testId="logs-tail-table" />}
    </section>
  );
}
