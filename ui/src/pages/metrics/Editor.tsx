// The query editor: a textarea with a completion dropdown (measurements, fields, functions, tag
// keys and values; PromQL metric and label names). Typing opens it, ↑/↓ move, Tab or Enter
// accept, Esc closes, Ctrl+Space opens it anywhere, Ctrl+Enter (or Shift+Enter) runs the query.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Catalog } from './catalog';
import { applySuggestion, completionContext, DQL_FUNCTIONS, DQL_STATEMENTS, PROM_FUNCTIONS, rankSuggestions,
         type CompletionContext, type Suggestion } from './completion';
import { dqlName, dqlString, type Lang } from './query';

async function candidates(ctx: CompletionContext, lang: Lang, cat: Catalog): Promise<Suggestion[]> {
  switch (ctx.kind) {
    case 'start': {
      const ms = await cat.measurements();
      return [...ms.map((m) => ({ label: `M::${m}`, insert: `M::${dqlName(m)}`, detail: 'measurement' })),
              ...DQL_STATEMENTS.map((s) => ({ label: s, insert: s, detail: 'statement' }))];
    }
    case 'measurement':
      return (await cat.measurements()).map((m) => ({ label: m, insert: dqlName(m), detail: 'measurement' }));
    case 'target': {
      const fs = ctx.measurement ? await cat.fields(ctx.measurement) : [];
      return [...fs.map((f) => ({ label: f.name, insert: dqlName(f.name), detail: `field${f.type ? ` · ${f.type}` : ''}` })),
              ...DQL_FUNCTIONS.map((f) => ({ label: f, insert: `${f}(`, detail: 'function' }))];
    }
    case 'tagKey':
      return (await cat.tagKeys(ctx.measurement)).map((k) => ({ label: k, insert: dqlName(k), detail: 'tag' }));
    case 'tagValue':
      return (await cat.tagValues(ctx.measurement, ctx.key!)).map((v) => ({
        label: v, insert: ctx.quoted ? v : dqlString(v), detail: `${ctx.key} value` }));
    case 'metric': {
      const ms = await cat.metricNames();
      return [...ms.map((m) => ({ label: m, insert: m, detail: 'metric' })),
              ...PROM_FUNCTIONS.map((f) => ({ label: f, insert: `${f}(`, detail: 'function' }))];
    }
    case 'label':
      return (await cat.labels(ctx.measurement)).map((l) => ({ label: l, insert: l, detail: 'label' }));
    case 'labelValue':
      return (await cat.labelValues(ctx.key!, ctx.measurement)).map((v) => ({
        label: v, insert: lang === 'promql' && !ctx.quoted ? JSON.stringify(v) : v, detail: `${ctx.key} value` }));
  }
}

export function Editor({ value, lang, catalog, onChange, onRun, testId }: {
  value: string;
  lang: Lang;
  catalog: Catalog;
  onChange: (v: string) => void;
  onRun: (v: string) => void;
  testId?: string;
}) {
  const ta = useRef<HTMLTextAreaElement>(null);
  const [items, setItems] = useState<Suggestion[]>([]);
  const [ctx, setCtx] = useState<CompletionContext>();
  const [active, setActive] = useState(0);
  const seq = useRef(0);

  const close = () => { seq.current++; setItems([]); setCtx(undefined); };

  const suggest = (text: string, cursor: number, force = false) => {
    const c = completionContext(text, cursor, lang);
    const n = ++seq.current;
    if (!c || (!force && c.prefix === '' && c.kind !== 'measurement' && c.kind !== 'tagValue' && c.kind !== 'labelValue')) {
      setItems([]);
      setCtx(undefined);
      return;
    }
    candidates(c, lang, catalog).then((all) => {
      if (n !== seq.current) return;
      const ranked = rankSuggestions(all, c.prefix);
      setItems(ranked);
      setCtx(ranked.length ? c : undefined);
      setActive(0);
    }, () => n === seq.current && close());
  };

  const accept = (s: Suggestion) => {
    const el = ta.current!;
    if (!ctx) return;
    const r = applySuggestion(el.value, el.selectionStart, ctx, s);
    // Write the text and the cursor now (keys typed right after land in the right place);
    // Preact then finds the same value and leaves the cursor alone.
    el.value = r.text;
    el.setSelectionRange(r.cursor, r.cursor);
    onChange(r.text);
    close();
    if (s.insert.endsWith('(')) suggest(r.text, r.cursor, true);
  };

  useEffect(() => close(), [lang]);

  const rows = Math.min(8, Math.max(2, value.split('\n').length));
  const open = items.length > 0 && ctx;
  return (
    <div class="metrics-editor">
      <textarea
        ref={ta}
        value={value}
        rows={rows}
        spellcheck={false}
        autocomplete="off"
        data-testid={testId}
        placeholder={lang === 'dql'
          ? "M::cpu:(avg(usage_total)) {host = 'web-1'} BY host"
          : 'avg by (host) (cpu_usage_total{host="web-1"})'}
        onInput={(e) => {
          const el = e.target as HTMLTextAreaElement;
          onChange(el.value);
          suggest(el.value, el.selectionStart);
        }}
        onBlur={() => setTimeout(close, 150)}
        onKeyDown={(e) => {
          if (open) {
            if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => (a + 1) % items.length); return; }
            if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => (a - 1 + items.length) % items.length); return; }
            if ((e.key === 'Tab' || e.key === 'Enter') && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
              e.preventDefault();
              accept(items[active]);
              return;
            }
            if (e.key === 'Escape') { e.preventDefault(); close(); return; }
          }
          if (e.key === ' ' && e.ctrlKey) {
            e.preventDefault();
            const el = e.target as HTMLTextAreaElement;
            suggest(el.value, el.selectionStart, true);
            return;
          }
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || e.shiftKey)) {
            e.preventDefault();
            close();
            onRun((e.target as HTMLTextAreaElement).value);
          }
        }}
      />
      {open && (
        <ul class="metrics-suggest" data-testid="metrics-suggestions" role="listbox">
          {items.map((s, i) => (
            <li key={s.insert} role="option" aria-selected={i === active} class={i === active ? 'active' : ''}
                onMouseDown={(e) => { e.preventDefault(); accept(s); }}
                onMouseEnter={() => setActive(i)}>
              <span class="metrics-suggest-label">{s.label}</span>
              {s.detail && <span class="metrics-suggest-detail">{s.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
