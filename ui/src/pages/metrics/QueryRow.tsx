// One query of the explorer (A, B, ...): DQL/PromQL toggle, the pickers that build the query text
// (measurement, field and aggregate, a tag filter, group by), and the editor showing that text.
import { useEffect, useState } from 'preact/hooks';
import { useAsync } from '../../lib/hooks';
import type { Catalog } from './catalog';
import { Editor } from './Editor';
import { AGGREGATES, buildQuery, emptyBuilder, parseDql, type Builder, type QuerySpec } from './query';

export function QueryRow({ spec, catalog, onCommit, onRemove, removable }: {
  spec: QuerySpec;
  catalog: Catalog;
  onCommit: (s: QuerySpec) => void;
  onRemove: () => void;
  removable: boolean;
}) {
  const [draft, setDraft] = useState(spec.q);
  const [b, setB] = useState<Builder>(() => (spec.lang === 'dql' && parseDql(spec.q)) || emptyBuilder());
  useEffect(() => {
    setDraft(spec.q);
    // The pickers follow the query when it has their shape (a shared link, an edit by hand).
    if (buildQuery(spec.lang, b) !== spec.q) setB((spec.lang === 'dql' && parseDql(spec.q)) || emptyBuilder());
  }, [spec.q, spec.lang]);
  const measurements = useAsync(() => catalog.measurements(), [catalog]);
  const fields = useAsync(() => catalog.fields(b.measurement), [catalog, b.measurement]);
  const tagKeys = useAsync(() => (b.measurement ? catalog.tagKeys(b.measurement) : Promise.resolve([])),
                           [catalog, b.measurement]);
  const filter = b.filters[0] ?? { key: '', op: '=' as const, value: '' };
  const tagValues = useAsync(() => (b.measurement && filter.key ? catalog.tagValues(b.measurement, filter.key)
                                                                : Promise.resolve([])),
                             [catalog, b.measurement, filter.key]);

  const update = (changes: Partial<Builder>) => {
    const nb = { ...b, ...changes };
    setB(nb);
    const q = buildQuery(spec.lang, nb);
    if (q) {
      setDraft(q);
      onCommit({ ...spec, q });
    }
  };
  const sel = (v: string, testId: string, options: { v: string; l: string }[], on: (v: string) => void,
               title: string, disabled = false) => (
    <select value={v} data-testid={testId} title={title} disabled={disabled}
            onChange={(e) => on((e.target as HTMLSelectElement).value)}>
      {options.map((o) => <option key={o.v} value={o.v}>{o.l}</option>)}
    </select>
  );
  return (
    <div class="metrics-query" data-testid={`metrics-query-${spec.id}`}>
      <div class="metrics-query-head">
        <span class="metrics-letter">{spec.id}</span>
        <div class="metrics-lang" role="group">
          {(['dql', 'promql'] as const).map((l) => (
            <button key={l} class={`btn small ${spec.lang === l ? 'primary' : ''}`} data-testid={`metrics-lang-${l}-${spec.id}`}
                    onClick={() => {
                      if (l === spec.lang) return;
                      const q = buildQuery(l, b);
                      setDraft(q);
                      onCommit({ ...spec, lang: l, q });
                    }}>
              {l === 'dql' ? 'DQL' : 'PromQL'}
            </button>
          ))}
        </div>
        <div class="metrics-pickers">
          {sel(b.measurement, `metrics-measurement-${spec.id}`,
               [{ v: '', l: measurements.loading && !measurements.data ? 'loading…' : 'measurement…' },
                ...(measurements.data ?? []).map((m) => ({ v: m, l: m }))],
               (m) => update({ measurement: m, field: '', filters: [], by: [] }), 'Measurement')}
          {sel(b.agg, `metrics-agg-${spec.id}`, AGGREGATES.map((a) => ({ v: a, l: a })),
               (agg) => update({ agg }), 'Aggregate')}
          {sel(b.field, `metrics-field-${spec.id}`,
               [{ v: '', l: 'field…' }, ...(fields.data ?? []).map((f) => ({ v: f.name, l: f.name }))],
               (field) => update({ field }), 'Field', !b.measurement)}
          <span class="metrics-pick-sep">where</span>
          {sel(filter.key, `metrics-filter-key-${spec.id}`,
               [{ v: '', l: 'tag…' }, ...(tagKeys.data ?? []).map((k) => ({ v: k, l: k }))],
               (key) => update({ filters: key ? [{ key, op: filter.op, value: '' }] : [] }), 'Filter tag', !b.measurement)}
          {sel(filter.op, `metrics-filter-op-${spec.id}`, [{ v: '=', l: '=' }, { v: '!=', l: '!=' }],
               (op) => update({ filters: [{ ...filter, op: op as '=' | '!=' }] }), 'Operator', !filter.key)}
          {sel(filter.value, `metrics-filter-value-${spec.id}`,
               [{ v: '', l: 'value…' }, ...(tagValues.data ?? []).map((v) => ({ v, l: v }))],
               (value) => update({ filters: [{ ...filter, value }] }), 'Filter value', !filter.key)}
          <span class="metrics-pick-sep">by</span>
          {sel(b.by[0] ?? '', `metrics-by-${spec.id}`,
               [{ v: '', l: 'no grouping' }, ...(tagKeys.data ?? []).map((k) => ({ v: k, l: k }))],
               (k) => update({ by: k ? [k] : [] }), 'Group by', !b.measurement)}
        </div>
        <div class="metrics-query-actions">
          <button class="btn small primary" data-testid={`metrics-run-${spec.id}`}
                  onClick={() => onCommit({ ...spec, q: draft })}>Run</button>
          {removable && <button class="btn small" title="Remove this query" data-testid={`metrics-remove-${spec.id}`}
                                onClick={onRemove}>✕</button>}
        </div>
      </div>
      <Editor value={draft} lang={spec.lang} catalog={catalog} testId={`metrics-editor-${spec.id}`}
              onChange={setDraft} onRun={(q) => onCommit({ ...spec, q })} />
    </div>
  );
}
