// The time range picker in every page's toolbar: presets, a custom from/to (relative like
// `now-2h` or absolute like `2026-11-21 10:00`), auto refresh, and a refresh button. The range
// and the refresh interval live in the URL (?from=&to=&refresh=), read with useTimeRange().
import { useState } from 'preact/hooks';
import { refreshNow, useTimeRange } from '../lib/hooks';
import { setQuery, useLocation } from '../lib/router';
import { describeRange, isValidRange, PRESETS } from '../lib/time';

const REFRESH = ['', '5s', '10s', '30s', '1m', '5m'];

export function TimePicker() {
  const [range, setRange] = useTimeRange();
  const loc = useLocation();
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const valid = isValidRange({ from, to });
  const apply = () => {
    if (!valid) return;
    setRange({ from, to });
    setOpen(false);
  };
  return (
    <div class="timepicker" data-testid="timepicker">
      <button class="btn" onClick={() => { setFrom(range.from); setTo(range.to); setOpen(!open); }}
              data-testid="timepicker-toggle">
        <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
          <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.5" />
          <path d="M8 4v4l2.5 2" fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
        {describeRange(range)}
      </button>
      <select value={loc.query.get('refresh') ?? ''} title="Auto refresh" data-testid="refresh-select"
              onChange={(e) => setQuery({ refresh: (e.target as HTMLSelectElement).value })}>
        {REFRESH.map((r) => <option key={r} value={r}>{r ? `every ${r}` : 'no refresh'}</option>)}
      </select>
      <button class="btn" title="Refresh now" aria-label="Refresh now" onClick={refreshNow}>
        <svg class="icon" style={{ marginRight: 0 }} viewBox="0 0 16 16" aria-hidden="true">
          <path d="M13 8a5 5 0 1 1-1.5-3.5M13 2.5V5h-2.5" fill="none" stroke="currentColor"
                stroke-width="1.5" />
        </svg>
      </button>
      {open && (
        <div class="popover" data-testid="timepicker-popover">
          <div class="presets">
            {PRESETS.map((p) => (
              <button key={p.from} class={`link ${range.from === p.from && range.to === 'now' ? 'active' : ''}`}
                      onClick={() => { setRange({ from: p.from, to: 'now' }); setOpen(false); }}>
                {p.label}
              </button>
            ))}
          </div>
          <div class="custom">
            <label>From <input value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
                               data-testid="time-from" /></label>
            <label>To <input value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)}
                             data-testid="time-to" /></label>
            {!valid && <div class="hint error">Use now-15m, now, 2026-11-21 10:00 or RFC 3339.</div>}
            <button class="btn primary" disabled={!valid} onClick={apply}>Apply</button>
          </div>
        </div>
      )}
    </div>
  );
}
