// The log rows (time, status, host, service, message; newest first), each expandable into its
// detail: the message (JSON pretty-printed), every tag and field with filter buttons, and the
// link to the trace of trace_id / span_id.
import { memo } from 'preact/compat';
import { useCallback, useMemo, useState } from 'preact/hooks';
import { href } from '../../lib/router';
import { formatLocal } from '../../lib/time';
import {
  attr, attributes, contextLink, message, prettyJson, rowKeys, splitHighlight, statusClass, traceIdOf, type LogRow,
} from './query';

export function formatTime(ms: number): string {
  return `${formatLocal(ms)}.${String(((ms % 1000) + 1000) % 1000).padStart(3, '0')}`;
}

function Highlighted({ text, re }: { text: string; re?: RegExp }) {
  return (
    <>
      {splitHighlight(text, re).map((s, i) => (s.hit ? <mark key={i} class="logs-hit">{s.text}</mark> : s.text))}
    </>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`logs-status ${statusClass(status)}`} data-testid="logs-status">{status || '–'}</span>
  );
}

export function traceHref(traceId: string, spanId?: string): string {
  return href(`/apm/traces/${encodeURIComponent(traceId)}`, spanId ? { span: spanId } : undefined);
}

function Detail({ row, re, onFilter }: {
  row: LogRow;
  re?: RegExp;
  onFilter?: (key: string, value: string, exclude: boolean) => void;
}) {
  const msg = message(row);
  const pretty = prettyJson(msg);
  const traceId = traceIdOf(row);
  const spanId = attr(row, 'span_id') || undefined;
  return (
    <div class="logs-detail" data-testid="logs-row-detail">
      <div class="logs-detail-head">
        <span class="mono">{formatTime(row.time)}</span>
        <span class="hint mono">{String(row.time_ns)} ns</span>
        <span class="badge">{row.source}</span>
        <span class="logs-detail-actions">
          <a class="btn small" href={href('/logs', contextLink(row))} data-testid="logs-context-link"
             title="Logs of the same source, host, service and file, 2.5 minutes either side">
            Surrounding logs
          </a>
          {traceId && (
            <a class="btn small" href={traceHref(traceId, spanId)} data-testid="logs-trace-link">View trace →</a>
          )}
        </span>
      </div>
      <div class="logs-detail-body">
        <div class="logs-detail-msg">
          <div class="logs-detail-label">{pretty ? 'message (JSON)' : 'message'}</div>
          <pre class="logs-pre" data-testid="logs-message"><Highlighted text={pretty ?? msg} re={re} /></pre>
        </div>
        <div class="logs-detail-attrs">
          <div class="logs-detail-label">attributes</div>
          <table class="logs-attrs" data-testid="logs-attrs">
            <tbody>
              {attributes(row).map((a) => (
                <tr key={`${a.kind}:${a.key}`} data-key={a.key}>
                  <td class="logs-attr-key">
                    <span class={`logs-kind ${a.kind}`} title={a.kind}>{a.kind === 'tag' ? 'T' : 'F'}</span>
                    {a.key}
                  </td>
                  <td class="logs-attr-value mono">
                    {(a.key === 'trace_id' || a.key === 'span_id') && traceId ? (
                      <a href={traceHref(traceId, a.key === 'span_id' ? a.value : undefined)}
                         data-testid={`logs-link-${a.key}`}>{a.value}</a>
                    ) : (
                      a.value
                    )}
                  </td>
                  <td class="logs-attr-actions">
                    {onFilter && (
                      <>
                        <button class="link" title={`Filter ${a.key}:${a.value}`}
                                onClick={() => onFilter(a.key, a.value, false)}>＋</button>
                        <button class="link" title={`Exclude ${a.key}:${a.value}`}
                                onClick={() => onFilter(a.key, a.value, true)}>−</button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}

const Row = memo(function Row({ row, k, re, open, onToggle, onFilter }: {
  row: LogRow;
  k: string;
  re?: RegExp;
  open: boolean;
  onToggle: (k: string) => void;
  onFilter?: (key: string, value: string, exclude: boolean) => void;
}) {
  const status = attr(row, 'status');
  return (
    <>
      <tr class={`logs-row ${open ? 'open' : ''} s-${statusClass(status)}`} data-testid="logs-row"
          tabIndex={0} aria-expanded={open}
          onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onToggle(k); } }}
          onClick={() => { if (!window.getSelection()?.toString()) onToggle(k); }}>
        <td class="logs-col-time mono">
          <span class="logs-caret">{open ? '▾' : '▸'}</span>
          {formatTime(row.time)}
        </td>
        <td class="logs-col-status"><StatusBadge status={status} /></td>
        <td class="logs-col-host" title={attr(row, 'host')}>{attr(row, 'host')}</td>
        <td class="logs-col-service" title={attr(row, 'service')}>{attr(row, 'service') || row.source}</td>
        <td class="logs-col-msg mono" data-testid="logs-row-message"><Highlighted text={message(row)} re={re} /></td>
      </tr>
      {open && (
        <tr class="logs-detail-row">
          <td colSpan={5}><Detail row={row} re={re} onFilter={onFilter} /></td>
        </tr>
      )}
    </>
  );
});

export function LogTable({ rows, re, onFilter, testId = 'logs-table' }: {
  rows: LogRow[];
  re?: RegExp;
  onFilter?: (key: string, value: string, exclude: boolean) => void;
  testId?: string;
}) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const toggle = useCallback((k: string) => setOpen((o) => ({ ...o, [k]: !o[k] })), []);
  const keys = useMemo(() => rowKeys(rows), [rows]);
  return (
    <table class="table logs-table" data-testid={testId}>
      <colgroup>
        <col class="logs-w-time" />
        <col class="logs-w-status" />
        <col class="logs-w-host" />
        <col class="logs-w-service" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th>Time</th>
          <th>Status</th>
          <th>Host</th>
          <th>Service</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => {
          const k = keys[i];
          return (
            <Row key={k} k={k} row={r} re={re} open={!!open[k]} onFilter={onFilter} onToggle={toggle} />
          );
        })}
      </tbody>
    </table>
  );
}
