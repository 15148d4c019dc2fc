// The dashboard's JSON model in a dialog: edit everything (title, tags, variables, groups,
// charts) as text; Apply checks it like an import does.
import { useState } from 'preact/hooks';
import { exportJson, parseImport, type Dashboard } from './model';

export function JsonDialog({ dashboard, onApply, onCancel }: {
  dashboard: Dashboard;
  onApply: (d: Dashboard) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(() => exportJson(dashboard));
  const [errors, setErrors] = useState<string[]>([]);
  return (
    <div class="dashboards-modal-back" onMouseDown={(e) => e.target === e.currentTarget && onCancel()}>
      <div class="dashboards-modal" data-testid="json-dialog" role="dialog">
        <div class="panel-head">
          <h2>JSON model</h2>
          <button class="link" onClick={onCancel} aria-label="Close">✕</button>
        </div>
        <textarea class="dashboards-json" value={text} spellcheck={false} data-testid="json-text"
                  onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        {errors.length > 0 && (
          <ul class="hint error" data-testid="json-errors">{errors.map((e) => <li key={e}>{e}</li>)}</ul>
        )}
        <div class="dashboards-modal-foot">
          <span class="hint">The format is in docs/dashboards.md.</span>
          <button class="btn" onClick={onCancel}>Cancel</button>
          <button class="btn primary" data-testid="json-apply" onClick={() => {
            const r = parseImport(text);
            if (r.dashboard) onApply(r.dashboard);
            else setErrors(r.errors);
          }}>Apply</button>
        </div>
      </div>
    </div>
  );
}
