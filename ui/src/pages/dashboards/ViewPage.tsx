// /dashboards/:id: the variables bar, the groups of charts in a 12-column grid, the time picker;
// edit mode (add / edit / move / remove charts and groups, the JSON model), save with the
// server's optimistic concurrency (a 409 offers reload, overwrite or save as a copy), export.
import { useCallback, useMemo, useState } from 'preact/hooks';
import { ApiError, get, post, put } from '../../lib/api';
import { useAsync, useRefreshTick, useTimeRange } from '../../lib/hooks';
import { navigate, setQuery, useLocation } from '../../lib/router';
import { Page } from '../../components/Page';
import { agentHint, ErrorBox, Loading } from '../../components/States';
import type { PageProps } from '../../routes';
import { builtin, isBuiltin } from './builtin';
import { ChartEditor } from './ChartEditor';
import { ChartView } from './ChartView';
import { JsonDialog } from './JsonDialog';
import { CHART_TYPE_LABELS, decodeVarValue, encodeVarValue, exportJson, initialValue, moveChart,
         newChart, normalize, stripServerFields, varParam, type Chart, type Dashboard,
         type VarValues } from './model';
import { VariablesBar } from './Variables';

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function fileName(title: string): string {
  return `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'dashboard'}.json`;
}

async function load(id: string, signal: AbortSignal): Promise<Dashboard> {
  if (isBuiltin(id)) {
    const d = builtin(id);
    if (!d) throw new ApiError(404, 'sextant.dashboardNotFound', `no built-in dashboard ${id}`);
    return d;
  }
  return normalize(await get<any>(`/v1/dashboards/${encodeURIComponent(id)}`, {}, signal));
}

// A fresh page (state) per dashboard id.
export function ViewPage({ params }: PageProps) {
  return <DashboardView key={params.id} id={params.id} />;
}

function DashboardView({ id }: { id: string }) {
  const loc = useLocation();
  const [range] = useTimeRange();
  const tick = useRefreshTick();
  const [reloads, setReloads] = useState(0);
  const loaded = useAsync((signal) => load(id, signal), [id, reloads]);
  const [draft, setDraft] = useState<Dashboard>();
  const [editing, setEditing] = useState(loc.query.get('edit') === '1');
  const [editChart, setEditChart] = useState<{ gi: number; ci: number; chart: Chart }>();
  const [jsonOpen, setJsonOpen] = useState(false);
  const [conflict, setConflict] = useState<string>();
  const [saveError, setSaveError] = useState<Error>();
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [folded, setFolded] = useState<Record<number, boolean>>({});
  // Series per chart id, as the charts answer (an all-empty built-in dashboard says how to send data).
  const [seriesOf, setSeriesOf] = useState<Record<string, number>>({});
  const onSeries = useCallback((cid: string, n: number) =>
    setSeriesOf((m) => (m[cid] === n ? m : { ...m, [cid]: n })), []);

  // The newest document known: the loaded one, or the answer of our last save (no reload needed).
  const [stored, setStored] = useState<Dashboard>();
  const saved = stored && stored.id === id && (stored.version ?? 0) > (loaded.data?.version ?? 0)
    ? stored : loaded.data;
  const doc = draft ?? saved;
  const builtinDoc = isBuiltin(id);

  const values: VarValues = useMemo(() => {
    const out: VarValues = {};
    for (const v of doc?.variables ?? []) {
      const p = loc.query.get(varParam(v.name));
      out[v.name] = p !== null ? decodeVarValue(p) : initialValue(v, v.options ?? []);
    }
    return out;
  }, [doc?.variables, loc.query.toString()]);

  if (loaded.error && !saved) {
    return (
      <Page title="Dashboard">
        <ErrorBox error={loaded.error} />
        <p><a href="#/dashboards">All dashboards</a></p>
      </Page>
    );
  }
  if (!saved || !doc) return <Page title="Dashboard"><Loading /></Page>;

  const allCharts = doc.groups.flatMap((g) => g.charts);
  const allEmpty = allCharts.length > 0 && allCharts.every((c) => seriesOf[c.id] === 0);
  const change = (f: (d: Dashboard) => Dashboard) => setDraft((d) => f(d ?? saved));
  const dirty = draft !== undefined;

  const startEdit = () => {
    setEditing(true);
    setNotice(undefined);
  };
  const leaveEdit = () => {
    setEditing(false);
    if (loc.query.has('edit')) setQuery({ edit: undefined }, true);
  };
  const cancelEdit = () => {
    setDraft(undefined);
    leaveEdit();
    setConflict(undefined);
    setSaveError(undefined);
  };
  const saveAsCopy = async () => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const body = stripServerFields(doc);
      if (!builtinDoc) body.title = `${body.title} (copy)`;
      else body.tags = body.tags.filter((t) => t !== 'built-in');
      const r = await post<any>('/v1/dashboards', body);
      setDraft(undefined);
      setEditing(false);
      setConflict(undefined);
      const keep: Record<string, string> = {};
      loc.query.forEach((v, k) => { if (k !== 'edit') keep[k] = v; });
      navigate(`/dashboards/${r.id}`, keep);
    } catch (e) {
      setSaveError(e as Error);
    } finally {
      setSaving(false);
    }
  };
  // PUT the document at the version `base` gives; a 409 shows the conflict choices.
  const putAt = async (base: () => Promise<number | undefined>, notice: string) => {
    setSaving(true);
    setSaveError(undefined);
    try {
      const body = { ...stripServerFields(doc), version: await base() };
      setStored(normalize(await put<any>(`/v1/dashboards/${encodeURIComponent(id)}`, body)));
      setDraft(undefined);
      leaveEdit();
      setConflict(undefined);
      setNotice(notice);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) setConflict(e.message);
      else setSaveError(e as Error);
    } finally {
      setSaving(false);
    }
  };
  const save = () => (builtinDoc ? saveAsCopy() : putAt(async () => saved.version, 'Saved'));
  // Overwrite: load the newest version and save ours over it.
  const overwrite = () => putAt(
    async () => normalize(await get<any>(`/v1/dashboards/${encodeURIComponent(id)}`)).version,
    'Saved (overwrote the other change)');
  const reloadLatest = () => {
    cancelEdit();
    setReloads((n) => n + 1);
  };

  const setVar = (name: string, vals: string[]) => setQuery({ [varParam(name)]: encodeVarValue(vals) });

  const actions = editing ? (
    <>
      {dirty && <span class="badge warn" data-testid="unsaved">unsaved changes</span>}
      <button class="btn" data-testid="add-group"
              onClick={() => change((d) => ({ ...d, groups: [...d.groups, { title: 'New group', charts: [] }] }))}>
        + Group
      </button>
      <button class="btn" data-testid="edit-json" onClick={() => setJsonOpen(true)}>JSON</button>
      <button class="btn" data-testid="cancel-edit" onClick={cancelEdit}>Cancel</button>
      {!builtinDoc && <button class="btn" onClick={saveAsCopy} disabled={saving}>Save as copy</button>}
      <button class="btn primary" data-testid="save-dashboard" onClick={save} disabled={saving}>
        {builtinDoc ? 'Save as copy' : 'Save'}
      </button>
    </>
  ) : (
    <>
      {notice && <span class="badge ok" data-testid="save-notice">{notice}</span>}
      <button class="btn" data-testid="export-dashboard"
              onClick={() => download(fileName(doc.title), exportJson(doc))}>Export</button>
      {builtinDoc && <button class="btn" data-testid="save-as-copy" onClick={saveAsCopy} disabled={saving}>Save as copy</button>}
      <button class="btn primary" data-testid="edit-dashboard" onClick={startEdit}>Edit</button>
    </>
  );

  const title = editing ? (
    <input class="dashboards-title-input" value={doc.title} data-testid="dashboard-title-input"
           onInput={(e) => change((d) => ({ ...d, title: (e.target as HTMLInputElement).value }))} />
  ) : (
    <span data-testid="dashboard-title">
      <a href="#/dashboards" class="dashboards-crumb">Dashboards</a> / {doc.title}
      {builtinDoc && <span class="badge dashboards-builtin">built-in</span>}
    </span>
  );

  return (
    <Page title={title} actions={actions}>
      {conflict && (
        <div class="state error dashboards-conflict" role="alert" data-testid="save-conflict">
          <strong>Not saved: </strong>{conflict}
          <div class="dashboards-conflict-actions">
            <button class="btn" data-testid="conflict-reload" onClick={reloadLatest}>Reload theirs (discard mine)</button>
            <button class="btn" data-testid="conflict-overwrite" onClick={overwrite}>Overwrite with mine</button>
            <button class="btn" data-testid="conflict-copy" onClick={saveAsCopy}>Save mine as a copy</button>
          </div>
        </div>
      )}
      {saveError && <ErrorBox error={saveError} />}
      {loaded.error && <ErrorBox error={loaded.error} />}
      {doc.description && !editing && <div class="hint">{doc.description}</div>}
      {builtinDoc && allEmpty && (
        <div class="state empty" data-testid="empty-state">
          <h3>No host metrics in this time range</h3>
          <p>This dashboard reads the <code>cpu</code>, <code>mem</code>, <code>system</code>,{' '}
            <code>disk</code>, <code>diskio</code> and <code>net</code> inputs, which a DataKit or{' '}
            <code>sextant agent</code> runs by default (<code>default_enabled_inputs</code> in{' '}
            <code>datakit.conf</code>, or an <code>[[inputs.cpu]]</code> file in <code>conf.d/</code>).</p>
          {agentHint()}
        </div>
      )}
      <VariablesBar variables={doc.variables} values={values} range={range} onChange={setVar} />
      {doc.groups.map((g, gi) => (
        <section class="dashboards-group" key={gi} data-testid="dashboard-group">
          <div class="dashboards-group-head">
            {editing ? (
              <>
                <input value={g.title} class="dashboards-group-input" data-testid={`group-title-${gi}`}
                       onInput={(e) => change((d) => ({ ...d, groups: d.groups.map((x, j) =>
                         j === gi ? { ...x, title: (e.target as HTMLInputElement).value } : x) }))} />
                <button class="btn small" data-testid={`add-chart-${gi}`}
                        onClick={() => setEditChart({ gi, ci: -1, chart: newChart() })}>+ Chart</button>
                <button class="btn small" disabled={gi === 0} title="Move group up"
                        onClick={() => change((d) => {
                          const gs = [...d.groups];
                          [gs[gi - 1], gs[gi]] = [gs[gi], gs[gi - 1]];
                          return { ...d, groups: gs };
                        })}>↑</button>
                <button class="btn small" data-testid={`remove-group-${gi}`}
                        onClick={() => change((d) => ({ ...d, groups: d.groups.filter((_, j) => j !== gi) }))}>
                  Remove group
                </button>
              </>
            ) : (
              <button class="dashboards-group-toggle"
                      onClick={() => setFolded((f) => ({ ...f, [gi]: !(f[gi] ?? !!g.collapsed) }))}>
                <span>{(folded[gi] ?? g.collapsed) ? '▸' : '▾'}</span> {g.title || 'Charts'}
              </button>
            )}
          </div>
          {(editing || !(folded[gi] ?? g.collapsed)) && (
            <div class="dashboards-grid">
              {g.charts.map((c, ci) => (
                <div class="panel dashboards-chart" key={c.id} style={{ gridColumn: `span ${c.width}` }}
                     data-testid="dashboard-chart" data-chart-title={c.title}>
                  <div class="dashboards-chart-head">
                    <h3 title={c.title}>{c.title || CHART_TYPE_LABELS[c.type]}</h3>
                    {editing && (
                      <div class="dashboards-chart-tools">
                        <button class="link" title="Move left" data-testid="chart-left"
                                onClick={() => change((d) => moveChart(d, gi, ci, -1))}>◀</button>
                        <button class="link" title="Move right" data-testid="chart-right"
                                onClick={() => change((d) => moveChart(d, gi, ci, 1))}>▶</button>
                        <button class="link" title="Edit" data-testid="chart-edit"
                                onClick={() => setEditChart({ gi, ci, chart: c })}>Edit</button>
                        <button class="link dashboards-danger" title="Remove" data-testid="chart-remove"
                                onClick={() => change((d) => ({ ...d, groups: d.groups.map((x, j) =>
                                  j === gi ? { ...x, charts: x.charts.filter((_, k) => k !== ci) } : x) }))}>✕</button>
                      </div>
                    )}
                  </div>
                  <ChartView chart={c} range={range} values={values} tick={tick} onSeries={onSeries}
                             height={c.type === 'stat' ? 120 : c.type === 'gauge' ? 180 : 220} />
                </div>
              ))}
              {!g.charts.length && (
                <div class="dashboards-empty-group">
                  {editing ? 'No charts in this group yet: "+ Chart" adds one.' : 'No charts in this group.'}
                  {!editing && <> <button class="link" onClick={startEdit}>Edit</button> to add one.</>}
                </div>
              )}
            </div>
          )}
        </section>
      ))}
      {!doc.groups.length && (
        <div class="dashboards-empty-group">
          This dashboard has no groups. <button class="link" onClick={() => {
            startEdit();
            change((d) => ({ ...d, groups: [{ title: 'Charts', charts: [] }] }));
          }}>Add a group</button>
        </div>
      )}
      {editChart && (
        <ChartEditor chart={editChart.chart} range={range} values={values} onCancel={() => setEditChart(undefined)}
                     onApply={(c) => {
                       const { gi, ci } = editChart;
                       change((d) => ({ ...d, groups: d.groups.map((g, j) => j !== gi ? g : {
                         ...g, charts: ci < 0 ? [...g.charts, c] : g.charts.map((x, k) => (k === ci ? c : x)) }) }));
                       setEditChart(undefined);
                     }} />
      )}
      {jsonOpen && (
        <JsonDialog dashboard={doc} onCancel={() => setJsonOpen(false)}
                    onApply={(d) => {
                      change((cur) => ({ ...d, id: cur.id, version: cur.version, created: cur.created, updated: cur.updated }));
                      setJsonOpen(false);
                    }} />
      )}
    </Page>
  );
}
