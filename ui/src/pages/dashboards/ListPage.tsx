// /dashboards: the built-in dashboards and the workspace's saved ones; create, import (a file or
// pasted JSON), delete.
import { useState } from 'preact/hooks';
import { del, get, post } from '../../lib/api';
import { useAsync } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { formatAgo } from '../../lib/format';
import { Page } from '../../components/Page';
import { ErrorBox, Loading } from '../../components/States';
import { builtin, builtinIds } from './builtin';
import { chartCount, newDashboard, parseImport } from './model';

interface Summary {
  id: string;
  title: string;
  tags: string[];
  version: number;
  charts: number;
  updated: number;
}

function ImportDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const readFile = async (f: File | undefined) => {
    if (!f) return;
    setText(await f.text());
    setErrors([]);
  };
  const submit = async () => {
    const r = parseImport(text);
    if (!r.dashboard) return setErrors(r.errors);
    setBusy(true);
    try {
      const created = await post<any>('/v1/dashboards', r.dashboard);
      navigate(`/dashboards/${created.id}`);
    } catch (e) {
      setErrors([(e as Error).message]);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="dashboards-modal-back" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dashboards-modal" data-testid="import-dialog" role="dialog">
        <div class="panel-head">
          <h2>Import a dashboard</h2>
          <button class="link" onClick={onClose} aria-label="Close">✕</button>
        </div>
        <p class="hint">A JSON file exported from Sextant (Export on a dashboard), or its text pasted below.</p>
        <input type="file" accept=".json,application/json" data-testid="import-file"
               onChange={(e) => readFile((e.target as HTMLInputElement).files?.[0])} />
        <textarea class="dashboards-json" placeholder='{"title": "My dashboard", "groups": [...]}'
                  value={text} data-testid="import-text" spellcheck={false}
                  onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        {errors.length > 0 && (
          <ul class="hint error" data-testid="import-errors">{errors.map((e) => <li key={e}>{e}</li>)}</ul>
        )}
        <div class="dashboards-modal-foot">
          <button class="btn" onClick={onClose}>Cancel</button>
          <button class="btn primary" data-testid="import-submit" disabled={!text.trim() || busy}
                  onClick={submit}>Import</button>
        </div>
      </div>
    </div>
  );
}

export function ListPage() {
  const list = useAsync((signal) => get<{ dashboards: Summary[] }>('/v1/dashboards', {}, signal), []);
  const [importing, setImporting] = useState(false);
  const [filter, setFilter] = useState('');
  const [confirm, setConfirm] = useState<string>();
  const [error, setError] = useState<Error>();
  const create = async () => {
    try {
      const r = await post<any>('/v1/dashboards', newDashboard());
      navigate(`/dashboards/${r.id}`, { edit: '1' });
    } catch (e) {
      setError(e as Error);
    }
  };
  const remove = async (id: string) => {
    try {
      await del(`/v1/dashboards/${encodeURIComponent(id)}`);
      setConfirm(undefined);
      list.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const f = filter.trim().toLowerCase();
  const match = (title: string, tags: string[]) =>
    !f || title.toLowerCase().includes(f) || tags.some((t) => t.toLowerCase().includes(f));
  const builtins = builtinIds().map((id) => ({ id, d: builtin(id)! })).filter((b) => match(b.d.title, b.d.tags));
  const saved = (list.data?.dashboards ?? []).filter((d) => match(d.title, d.tags));
  return (
    <Page title="Dashboards" timePicker={false} actions={
      <>
        <input placeholder="Filter by title or tag" value={filter} data-testid="dashboards-filter"
               onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        <button class="btn" data-testid="import-dashboard" onClick={() => setImporting(true)}>Import</button>
        <button class="btn primary" data-testid="new-dashboard" onClick={create}>New dashboard</button>
      </>
    }>
      {error && <ErrorBox error={error} />}
      <section class="panel">
        <div class="panel-head"><h2>Built-in</h2><span class="hint">read-only; “Save as copy” to change one</span></div>
        <table class="table" data-testid="builtin-list">
          <thead><tr><th>Title</th><th>Tags</th><th class="num">Charts</th></tr></thead>
          <tbody>
            {builtins.map(({ id, d }) => (
              <tr key={id} class="clickable" onClick={() => navigate(`/dashboards/${id}`)}>
                <td><a href={`#/dashboards/${id}`}>{d.title}</a><div class="hint">{d.description}</div></td>
                <td>{d.tags.map((t) => <span class="badge dashboards-tag" key={t}>{t}</span>)}</td>
                <td class="num">{chartCount(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="panel">
        <div class="panel-head"><h2>In this workspace</h2></div>
        {list.error && <ErrorBox error={list.error} />}
        {!list.data && !list.error && <Loading />}
        {list.data && !list.data.dashboards.length && (
          <div class="state empty" data-testid="empty-state">
            <h3>No saved dashboards yet</h3>
            <p>Create one with <b>New dashboard</b>, copy a built-in one with <b>Save as copy</b>, or
              import a JSON file. Over the API: <code>POST /v1/dashboards</code> with the document
              (docs/api/dashboards.md).</p>
          </div>
        )}
        {saved.length > 0 && (
          <table class="table" data-testid="saved-list">
            <thead><tr><th>Title</th><th>Tags</th><th class="num">Charts</th><th>Updated</th><th /></tr></thead>
            <tbody>
              {saved.map((d) => (
                <tr key={d.id} data-testid="saved-row">
                  <td><a href={`#/dashboards/${d.id}`}>{d.title}</a></td>
                  <td>{d.tags.map((t) => <span class="badge dashboards-tag" key={t}>{t}</span>)}</td>
                  <td class="num">{d.charts}</td>
                  <td title={new Date(d.updated).toISOString()}>{formatAgo(d.updated)}</td>
                  <td class="num">
                    {confirm === d.id ? (
                      <>
                        <button class="btn small dashboards-danger-btn" data-testid="confirm-delete"
                                onClick={() => remove(d.id)}>Delete</button>{' '}
                        <button class="btn small" onClick={() => setConfirm(undefined)}>Keep</button>
                      </>
                    ) : (
                      <button class="link" data-testid="delete-dashboard" onClick={() => setConfirm(d.id)}>Delete</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </Page>
  );
}
