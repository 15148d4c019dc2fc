// The query box of the logs explorer: Enter searches, the "?" button opens the syntax cheat sheet
// (examples are clickable), Esc closes it.
import { useEffect, useRef, useState } from 'preact/hooks';

const CHEATS: [string[], string][] = [
  [['timeout'], 'every word of the term is a word of the message (case-insensitive)'],
  [['"connection reset"'], 'the words in this order (a phrase)'],
  [['time*', 't?me'], 'wildcards: * any run, ? one character (one word)'],
  [['status:error'], 'a tag or field equals the value (source:nginx is the source)'],
  [['host:"web 1"'], 'a value with spaces or special characters'],
  [['service:web*'], 'the value matches the wildcard'],
  [['trace_id:*'], 'the row has the key'],
  [['status:(error OR warn)'], 'any of the values'],
  [['a b', 'a AND b'], 'both'],
  [['a OR b'], 'either (AND binds tighter: a b OR c is (a b) OR c)'],
  [['-debug', 'NOT service:db'], 'exclude'],
  [['(a OR b) -source:nginx'], 'grouping'],
];

export function SearchBar({ q, onSearch }: { q: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(q);
  const [help, setHelp] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => setText(q), [q]);
  // "/" focuses the query box (outside other inputs).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      if (t.closest('input, textarea, select, [contenteditable="true"]')) return;
      e.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  // The help closes on a click outside it.
  useEffect(() => {
    if (!help) return;
    const close = (e: MouseEvent) => {
      const help = box.current?.querySelector('.logs-help');
      const toggle = box.current?.querySelector('.logs-help-btn');
      if (!help?.contains(e.target as Node) && !toggle?.contains(e.target as Node)) setHelp(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [help]);
  const submit = (v = text) => {
    setHelp(false);
    onSearch(v.trim());
  };
  return (
    <div class="logs-search" data-testid="logs-search" ref={box}>
      <span class="logs-search-icon" aria-hidden="true">⌕</span>
      <input
        ref={input}
        class="logs-search-input"
        data-testid="logs-query"
        value={text}
        spellcheck={false}
        placeholder='Search logs: timeout "connection reset" status:error -service:db   (press / to focus, Enter to search)'
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') submit();
          if (e.key === 'Escape') setHelp(false);
        }}
      />
      {text && (
        <button class="link logs-search-clear" title="Clear the query" data-testid="logs-query-clear"
                onClick={() => { setText(''); submit(''); }}>×</button>
      )}
      <button class={`btn logs-help-btn ${help ? 'active' : ''}`} title="Query syntax"
              data-testid="logs-help-toggle" onClick={() => setHelp(!help)}>?</button>
      <button class="btn primary" data-testid="logs-search-submit" onClick={() => submit()}>Search</button>
      {help && (
        <div class="logs-help" data-testid="logs-help">
          <div class="logs-help-head">
            <strong>Query syntax</strong>
            <button class="link" onClick={() => setHelp(false)}>close</button>
          </div>
          <table>
            <tbody>
              {CHEATS.map(([exs, what]) => (
                <tr key={exs[0]}>
                  <td>
                    {exs.map((ex) => (
                      <button key={ex} class="link mono" title="Use this example"
                              onClick={() => { setText(ex); setHelp(false); input.current?.focus(); }}>
                        {ex}
                      </button>
                    ))}
                  </td>
                  <td>{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="hint">
            <code>AND</code> <code>OR</code> <code>NOT</code> are upper case. <code>\</code> escapes the next character.
            Clicking a facet value adds <code>key:value</code>; its <b>−</b> button adds <code>-key:value</code>.
          </p>
        </div>
      )}
    </div>
  );
}
