// /rum/performance: Web Vitals percentiles overall and per page, coloured by Google's
// good / needs-improvement / poor thresholds. The percentile (?pct=p75) is in the URL.
import { useMemo } from 'preact/hooks';
import { formatNumber, formatPercent } from '../../lib/format';
import { useAsync } from '../../lib/hooks';
import { setQuery } from '../../lib/router';
import { Panel } from '../../components/Page';
import { Table, type Column } from '../../components/Table';
import { ErrorBox, Loading } from '../../components/States';
import { rumApi, rumParams, type PerformancePage, type VitalKey } from './api';
import { RumEmpty, RumPage, useRumQuery } from './common';
import { formatVital, parsePercentile, PERCENTILES, pick, rate, RATING_LABEL, ratingShares,
         VITALS, type Percentile, type Rating } from './vitals';

function VitalCell({ k, v }: { k: VitalKey; v: number | null }) {
  const r = rate(k, v);
  return (
    <span class={`rum-vital ${r ? `rum-${r}` : ''}`} data-rating={r ?? ''} title={r ? RATING_LABEL[r] : undefined}>
      {formatVital(k, v)}
    </span>
  );
}

function VitalCard({ k, pages, overall, pct }: {
  k: VitalKey; pages: PerformancePage[]; overall: number | null; pct: Percentile;
}) {
  const def = VITALS.find((x) => x.key === k)!;
  const r = rate(k, overall);
  const shares = useMemo(
    () => ratingShares(pages.map((p) => ({ views: p.views, value: pick(p[k], pct) })), k), [pages, k, pct]);
  return (
    <div class={`rum-vital-card ${r ? `rum-card-${r}` : ''}`} data-testid={`rum-vital-${def.short.toLowerCase()}`}>
      <div class="rum-vital-head">
        <span class="rum-vital-short">{def.short}</span>
        <span class="hint">{def.label}</span>
      </div>
      <div class="rum-vital-value" data-rating={r ?? ''}>{formatVital(k, overall)}</div>
      <div class="hint">{pct} over all views{def.thresholds
        ? ` · good ≤ ${formatVital(k, def.thresholds[0])}, poor > ${formatVital(k, def.thresholds[1])}` : ''}</div>
      {def.thresholds && (
        <div class="rum-share" title="Views on pages rated good / needs improvement / poor">
          {(['good', 'ni', 'poor'] as Rating[]).map((g) => shares[g] > 0 && (
            <span key={g} class={`rum-share-${g}`} style={{ width: `${shares[g] * 100}%` }}
                  title={`${RATING_LABEL[g]}: ${formatPercent(shares[g])} of views`} />
          ))}
        </div>
      )}
    </div>
  );
}

export function PerformancePage() {
  const { loc, range, filters, deps } = useRumQuery();
  const pct = parsePercentile(loc.query.get('pct'));
  const perf = useAsync((s) => rumApi.performance(rumParams(range, filters, { limit: 500 }), s), deps);
  const columns = useMemo<Column<PerformancePage>[]>(() => [
    { key: 'page', title: 'Page', render: (p) => <span class="mono" title={p.page}>{p.page}</span>,
      sort: (p) => p.page },
    { key: 'views', title: 'Views', align: 'right', render: (p) => formatNumber(p.views), sort: (p) => p.views },
    ...VITALS.map((v): Column<PerformancePage> => ({
      key: v.key,
      title: `${v.short} ${pct}`,
      align: 'right',
      render: (p) => <VitalCell k={v.key} v={pick(p[v.key], pct)} />,
      sort: (p) => pick(p[v.key], pct) ?? -1,
    })),
  ], [pct]);

  const d = perf.data;
  let body;
  if (perf.error) body = <ErrorBox error={perf.error} />;
  else if (!d) body = <Loading />;
  else if (d.overall.views === 0) body = <RumEmpty what="page views" />;
  else {
    body = (
      <>
        <div class="rum-vital-cards">
          {(['largest_contentful_paint_ms', 'first_contentful_paint_ms', 'cumulative_layout_shift',
             'interaction_to_next_paint_ms'] as VitalKey[]).map((k) => (
            <VitalCard key={k} k={k} pages={d.pages} overall={pick(d.overall[k], pct)} pct={pct} />
          ))}
        </div>
        <Panel title={`Pages (${d.pages.length})`} testId="rum-perf-pages"
               actions={
                 <span class="rum-seg">
                   {PERCENTILES.map((p) => (
                     <button key={p} class={`btn small ${p === pct ? 'primary' : ''}`} data-testid={`rum-pct-${p}`}
                             onClick={() => setQuery({ pct: p === 'p75' ? undefined : p })}>{p}</button>
                   ))}
                 </span>
               }>
          <Table columns={columns} rows={d.pages} rowKey={(p) => p.page} testId="rum-perf-table"
                 initialSort={{ key: 'views', desc: true }} />
          <div class="hint rum-legend">
            <span class="rum-vital rum-good">Good</span> <span class="rum-vital rum-ni">Needs improvement</span>{' '}
            <span class="rum-vital rum-poor">Poor</span> — web.dev thresholds: LCP 2.5 s / 4 s, FCP 1.8 s / 3 s,
            CLS 0.1 / 0.25, INP 200 ms / 500 ms, FID 100 ms / 300 ms. Percentiles are nearest-rank over the
            views of the page (each view counts once, with its final values).
          </div>
        </Panel>
        {d.truncated && <div class="hint">The numbers cover part of the range (scan limit reached).</div>}
      </>
    );
  }
  return <RumPage title="RUM performance">{body}</RumPage>;
}
