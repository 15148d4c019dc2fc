// The facets panel: per key the top values of the matching logs with their counts. Clicking a
// value toggles `key:value` in the query; its "−" button toggles `-key:value`.
import { useState } from 'preact/hooks';
import { facetState, statusClass, STATUS_COLORS, type FacetsResponse } from './query';

export function Facets({ data, keys, q, onToggle, onAddKey, onRemoveKey, defaults }: {
  data?: FacetsResponse;
  keys: string[];
  q: string;
  onToggle: (key: string, value: string, exclude: boolean) => void;
  onAddKey: (key: string) => void;
  onRemoveKey: (key: string) => void;
  defaults: string[];
}) {
  const [adding, setAdding] = useState('');
  const [collapsed, setCollapsed] = useState<Record<string, boolean>>({});
  return (
    <aside class="logs-facets panel" data-testid="logs-facets">
      {keys.map((key) => {
        const f = data?.facets?.[key];
        const max = Math.max(1, ...(f?.values ?? []).map((v) => v.count));
        return (
          <section key={key} class="logs-facet" data-testid={`logs-facet-${key}`}>
            <div class="logs-facet-head">
              <button class="logs-facet-title" onClick={() => setCollapsed({ ...collapsed, [key]: !collapsed[key] })}>
                <span class="logs-caret">{collapsed[key] ? '▸' : '▾'}</span> {key}
              </button>
              <span class="hint">
                {f ? `${f.distinct}${f.truncated ? '+' : ''} value${f.distinct === 1 ? '' : 's'}` : ''}
                {!defaults.includes(key) && (
                  <button class="link logs-facet-remove" title="Remove this facet" onClick={() => onRemoveKey(key)}>×</button>
                )}
              </span>
            </div>
            {!collapsed[key] && (
              <ul class="logs-facet-values">
                {f && f.values.length === 0 && <li class="hint logs-facet-none">no values</li>}
                {f?.values.map((v) => {
                  const state = facetState(q, key, v.value);
                  return (
                    <li key={v.value} class={`logs-facet-value ${state ?? ''}`} data-testid="logs-facet-value"
                        data-value={v.value} data-state={state ?? ''}>
                      <button class="logs-facet-pick" title={state === 'include' ? `Remove ${key}:${v.value}` : `Only ${key}:${v.value}`}
                              onClick={() => onToggle(key, v.value, false)}>
                        <span class={`logs-check ${state ?? ''}`}>{state === 'include' ? '✓' : state === 'exclude' ? '−' : ''}</span>
                        {key === 'status' && (
                          <span class="logs-dot" style={{ background: STATUS_COLORS[statusClass(v.value)] }} />
                        )}
                        <span class="logs-facet-label">{v.value === '' ? <i>(empty)</i> : v.value}</span>
                        <span class="logs-facet-track"><span class="logs-facet-bar" style={{ width: `${(v.count / max) * 100}%` }} /></span>
                        <span class="logs-facet-count" data-testid="logs-facet-count">{v.count.toLocaleString()}</span>
                      </button>
                      <button class={`logs-facet-exclude ${state === 'exclude' ? 'on' : ''}`}
                              title={state === 'exclude' ? `Remove -${key}:${v.value}` : `Exclude ${key}:${v.value}`}
                              data-testid="logs-facet-exclude" onClick={() => onToggle(key, v.value, true)}>
                        −
                      </button>
                    </li>
                  );
                })}
                {f && f.missing > 0 && (
                  <li class="hint logs-facet-missing">{f.missing.toLocaleString()} without {key}</li>
                )}
              </ul>
            )}
          </section>
        );
      })}
      <form class="logs-facet-add" onSubmit={(e) => {
        e.preventDefault();
        const k = adding.trim();
        if (k) onAddKey(k);
        setAdding('');
      }}>
        <input value={adding} placeholder="Add a facet (tag or field)" data-testid="logs-facet-add"
               onInput={(e) => setAdding((e.target as HTMLInputElement).value)} />
      </form>
    </aside>
  );
}
