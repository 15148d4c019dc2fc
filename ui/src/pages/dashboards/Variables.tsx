// The variables bar of a dashboard: one picker per variable, its options from a query
// (show_tag_value(...) in DQL, label_values(selector, label) in PromQL), a fixed list or free
// text. The picked values live in the URL (var-<name>=a,b; __all__ for all).
import { useEffect, useRef, useState } from 'preact/hooks';
import { query, type Series } from '../../lib/api';
import { useAsync } from '../../lib/hooks';
import type { TimeRange } from '../../lib/time';
import { ALL, parseLabelValues, type Variable, type VarValues } from './model';

// The distinct values a variable query returns: the `value` column (show_tag_value), else the
// label asked for (label_values), else the first value column.
export function optionsFromSeries(series: Series[], label?: string): string[] {
  const out = new Set<string>();
  for (const s of series) {
    if (label) {
      const v = s.tags?.[label];
      if (v) out.add(v);
      continue;
    }
    let ci = s.columns.indexOf('value');
    if (ci < 0) ci = s.columns.findIndex((c) => c !== 'time');
    if (ci < 0) continue;
    for (const r of s.values) if (r[ci] !== null && r[ci] !== undefined) out.add(String(r[ci]));
  }
  return [...out].sort();
}

export async function loadOptions(v: Variable, range: TimeRange): Promise<string[]> {
  if (v.type === 'custom') return v.options ?? [];
  if (v.type === 'textbox' || !v.query?.trim()) return [];
  if (v.lang === 'promql') {
    const lv = parseLabelValues(v.query);
    const r = await query('promql', lv ? lv.selector : v.query, range);
    return optionsFromSeries(r.series, lv?.label ?? undefined);
  }
  const r = await query('dql', v.query, range);
  return optionsFromSeries(r.series);
}

function Picker({ v, options, value, onChange }: {
  v: Variable;
  options: string[];
  value: string[];
  onChange: (vals: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  const all = value.includes(ALL);
  const shown = all ? 'All' : value.length ? value.join(', ') : 'None';
  const toggle = (o: string) => {
    if (!v.multi) {
      onChange([o]);
      setOpen(false);
      return;
    }
    const cur = all ? [] : value;
    const next = cur.includes(o) ? cur.filter((x) => x !== o) : [...cur, o];
    onChange(next.length ? next : v.include_all !== false ? [ALL] : []);
  };
  return (
    <div class="dashboards-var" ref={box}>
      <span class="dashboards-var-label">{v.label || v.name}</span>
      <button class="btn dashboards-var-btn" data-testid={`var-${v.name}`} onClick={() => setOpen(!open)}
              title={shown}>
        {shown} ▾
      </button>
      {open && (
        <div class="dashboards-var-menu" data-testid={`var-menu-${v.name}`}>
          {v.include_all !== false && (
            <label class="dashboards-var-opt">
              <input type="checkbox" checked={all} data-testid="var-option-__all__"
                     onChange={() => { onChange([ALL]); if (!v.multi) setOpen(false); }} />
              All
            </label>
          )}
          {options.map((o) => (
            <label key={o} class="dashboards-var-opt">
              <input type={v.multi ? 'checkbox' : 'radio'} checked={!all && value.includes(o)}
                     data-testid={`var-option-${o}`} onChange={() => toggle(o)} />
              {o}
            </label>
          ))}
          {!options.length && <div class="hint">No values in this time range</div>}
        </div>
      )}
    </div>
  );
}

function TextBox({ v, value, onChange }: { v: Variable; value: string[]; onChange: (vals: string[]) => void }) {
  const [text, setText] = useState(value.filter((x) => x !== ALL).join(','));
  return (
    <div class="dashboards-var">
      <span class="dashboards-var-label">{v.label || v.name}</span>
      <input value={text} data-testid={`var-${v.name}`} onInput={(e) => setText((e.target as HTMLInputElement).value)}
             onKeyDown={(e) => { if (e.key === 'Enter') onChange(text ? [text] : [ALL]); }}
             onBlur={() => onChange(text ? [text] : [ALL])} />
    </div>
  );
}

export function VariablesBar({ variables, values, range, onChange }: {
  variables: Variable[];
  values: VarValues;
  range: TimeRange;
  onChange: (name: string, vals: string[]) => void;
}) {
  const key = JSON.stringify(variables);
  const opts = useAsync(
    () => Promise.all(variables.map((v) => loadOptions(v, range).catch(() => [] as string[]))),
    [key, range.from, range.to],
  );
  if (!variables.length) return null;
  return (
    <div class="dashboards-vars" data-testid="variables-bar">
      {variables.map((v, i) =>
        v.type === 'textbox' ? (
          <TextBox key={v.name} v={v} value={values[v.name] ?? []} onChange={(x) => onChange(v.name, x)} />
        ) : (
          <Picker key={v.name} v={v} options={opts.data?.[i] ?? []} value={values[v.name] ?? []}
                  onChange={(x) => onChange(v.name, x)} />
        ))}
    </div>
  );
}
