// The chart editor (a dialog): title, type, unit, width, options and the queries, with a live
// preview over the page's range and variables.
import { useState } from 'preact/hooks';
import type { TimeRange } from '../../lib/time';
import { ChartView } from './ChartView';
import { CHART_TYPE_LABELS, CHART_TYPES, REDUCERS, UNITS, type Chart, type ChartType, type Lang,
         type Reducer, type Unit, type VarValues } from './model';

const EXAMPLES: Record<Lang, string> = {
  dql: "M::cpu:(avg(usage_total)) {host = '#{host}'} BY host",
  promql: 'avg by (host) (cpu_usage_total)',
};

export function ChartEditor({ chart, range, values, onApply, onCancel }: {
  chart: Chart;
  range: TimeRange;
  values: VarValues;
  onApply: (c: Chart) => void;
  onCancel: () => void;
}) {
  const [c, setC] = useState<Chart>(chart);
  const [preview, setPreview] = useState<Chart>(chart);
  const set = (patch: Partial<Chart>) => setC((x) => ({ ...x, ...patch }));
  const setOpt = (patch: Partial<Chart['options']>) => setC((x) => ({ ...x, options: { ...x.options, ...patch } }));
  const setQuery = (i: number, patch: Partial<Chart['queries'][number]>) =>
    setC((x) => ({ ...x, queries: x.queries.map((q, j) => (j === i ? { ...q, ...patch } : q)) }));
  return (
    <div class="dashboards-modal-back" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div class="dashboards-modal dashboards-editor" data-testid="chart-editor" role="dialog">
        <div class="panel-head">
          <h2>Edit chart</h2>
          <button class="link" onClick={onCancel} aria-label="Close">✕</button>
        </div>
        <div class="dashboards-editor-body">
          <div class="dashboards-form">
            <label>Title
              <input value={c.title} data-testid="chart-title-input"
                     onInput={(e) => set({ title: (e.target as HTMLInputElement).value })} />
            </label>
            <div class="dashboards-form-row">
              <label>Type
                <select value={c.type} data-testid="chart-type-select"
                        onChange={(e) => set({ type: (e.target as HTMLSelectElement).value as ChartType })}>
                  {CHART_TYPES.map((t) => <option key={t} value={t}>{CHART_TYPE_LABELS[t]}</option>)}
                </select>
              </label>
              <label>Unit
                <select value={c.unit} data-testid="chart-unit-select"
                        onChange={(e) => set({ unit: (e.target as HTMLSelectElement).value as Unit })}>
                  {UNITS.map((u) => <option key={u} value={u}>{u || 'none'}</option>)}
                </select>
              </label>
              <label>Width
                <select value={String(c.width)} data-testid="chart-width-select"
                        onChange={(e) => set({ width: Number((e.target as HTMLSelectElement).value) })}>
                  {[3, 4, 6, 8, 12].map((w) => <option key={w} value={w}>{w}/12</option>)}
                </select>
              </label>
              {c.type !== 'timeseries' && c.type !== 'table' && (
                <label>Value
                  <select value={c.options.reduce ?? 'last'}
                          onChange={(e) => setOpt({ reduce: (e.target as HTMLSelectElement).value as Reducer })}>
                    {REDUCERS.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </label>
              )}
            </div>
            {(c.type === 'timeseries' || c.type === 'bar') && (
              <div class="dashboards-form-row">
                <label class="dashboards-check">
                  <input type="checkbox" checked={!!c.options.stack} onChange={(e) => setOpt({ stack: (e.target as HTMLInputElement).checked })} /> Stacked
                </label>
                {c.type === 'timeseries' && (
                  <label class="dashboards-check">
                    <input type="checkbox" checked={!!c.options.area} onChange={(e) => setOpt({ area: (e.target as HTMLInputElement).checked })} /> Area
                  </label>
                )}
              </div>
            )}
            <div class="dashboards-queries">
              {c.queries.map((q, i) => (
                <div class="dashboards-query" key={i}>
                  <div class="dashboards-form-row">
                    <span class="badge">{String.fromCharCode(65 + i)}</span>
                    <select value={q.lang} data-testid={`query-lang-${i}`}
                            onChange={(e) => setQuery(i, { lang: (e.target as HTMLSelectElement).value as Lang })}>
                      <option value="dql">DQL</option>
                      <option value="promql">PromQL</option>
                    </select>
                    <input placeholder="alias (optional)" value={q.alias ?? ''} class="dashboards-alias"
                           onInput={(e) => setQuery(i, { alias: (e.target as HTMLInputElement).value || undefined })} />
                    <button class="btn small" data-testid={`query-remove-${i}`} disabled={c.queries.length < 2}
                            onClick={() => set({ queries: c.queries.filter((_, j) => j !== i) })}>Remove</button>
                  </div>
                  <textarea rows={3} value={q.q} data-testid={`query-text-${i}`} placeholder={EXAMPLES[q.lang]}
                            spellcheck={false}
                            onInput={(e) => setQuery(i, { q: (e.target as HTMLTextAreaElement).value })} />
                </div>
              ))}
              <div class="dashboards-form-row">
                <button class="btn small" data-testid="query-add" disabled={c.queries.length >= 10}
                        onClick={() => set({ queries: [...c.queries, { lang: 'dql', q: '' }] })}>+ Query</button>
                <button class="btn small" data-testid="query-run" onClick={() => setPreview(c)}>Run preview</button>
                <span class="hint">Variables: <code>{"{host = '#{host}'}"}</code> in DQL; <code>#{'{host}'}</code> in PromQL (several values join as a|b).</span>
              </div>
            </div>
          </div>
          <div class="dashboards-preview">
            <div class="hint">Preview</div>
            <ChartView chart={preview} range={range} values={values} tick={0} height={200} />
          </div>
        </div>
        <div class="dashboards-modal-foot">
          <button class="btn" onClick={onCancel}>Cancel</button>
          <button class="btn primary" data-testid="editor-apply" onClick={() => onApply(c)}>Apply</button>
        </div>
      </div>
    </div>
  );
}
