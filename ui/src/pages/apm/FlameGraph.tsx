// The trace's flame graph: one rectangle per span (x = time from the trace start, row = depth),
// colored by service, errors outlined red. An ECharts custom series; zoom with the wheel or the
// slider; clicking a rectangle selects the span.
import { useMemo, useRef } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { formatDurationUs } from '../../lib/format';
import { flameRects, type TraceLayout } from './layout';

const ROW = 24;

export function FlameGraph({ layout, selected, onSelect }: {
  layout: TraceLayout;
  selected: number;
  onSelect: (index: number) => void;
}) {
  const rects = useMemo(() => flameRects(layout), [layout]);
  // The zoom window (percent), kept across re-renders: selecting a span rebuilds the option and
  // must not reset the zoom.
  const zoom = useRef<{ start: number; end: number }>({ start: 0, end: 100 });
  const zoomLayout = useRef(layout);
  if (zoomLayout.current !== layout) {
    zoomLayout.current = layout;
    zoom.current = { start: 0, end: 100 };
  }
  const option = useMemo(() => ({
    animation: false,
    grid: { left: 8, right: 8, top: 8, bottom: 44, containLabel: false },
    tooltip: {
      formatter: (p: any) => {
        const r = rects[p.dataIndex];
        const l = layout.spans[r.index];
        return `<b>${escapeHtml(l.span.service)}</b> ${escapeHtml(l.span.resource)}<br/>` +
               `duration ${formatDurationUs(l.span.duration_us)} · self ${formatDurationUs(l.self_us)}<br/>` +
               `starts at +${formatDurationUs(l.offset_us)}${r.error ? '<br/><span style="color:#dc2626">error</span>' : ''}`;
      },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter', minValueSpan: 1, ...zoom.current },
      { type: 'slider', xAxisIndex: 0, filterMode: 'weakFilter', height: 18, bottom: 6, showDetail: false, ...zoom.current },
    ],
    xAxis: {
      type: 'value', min: 0, max: Math.max(1, layout.total_us), position: 'top',
      axisLabel: { formatter: (v: number) => formatDurationUs(v), fontSize: 10, color: '#6b7280' },
      splitLine: { lineStyle: { color: '#eef0f3' } },
    },
    yAxis: { type: 'value', min: 0, max: layout.maxRow + 1, inverse: true, show: false },
    series: [{
      type: 'custom',
      encode: { x: [1, 2], y: 0 },
      data: rects.map((r) => [r.row, r.x0, r.x1, r.index]),
      renderItem: (params: any, api: any) => {
        const row = api.value(0);
        const a = api.coord([api.value(1), row]);
        const b = api.coord([api.value(2), row]);
        const r = rects[params.dataIndex];
        const width = Math.max(b[0] - a[0], 1.5);
        const shape = echartsClip({ x: a[0], y: a[1] + 1, width, height: ROW - 2 }, params.coordSys);
        if (!shape) return undefined;
        const isSel = r.index === selected;
        const text = shape.width > 40 ? fit(r.label, shape.width - 8) : '';
        return {
          type: 'rect',
          shape: { ...shape, r: 2 },
          style: {
            fill: layout.colors.get(r.service),
            opacity: selected >= 0 && !isSel ? 0.8 : 1,
            stroke: isSel ? '#111827' : r.error ? '#dc2626' : 'rgba(255,255,255,0.9)',
            lineWidth: isSel || r.error ? 2 : 1,
          },
          textContent: text ? { style: { text, fill: '#fff', fontSize: 11, fontWeight: 500 } } : undefined,
          textConfig: text ? { position: 'insideLeft' } : undefined,
        };
      },
    }],
  }), [rects, layout, selected]);
  const height = (layout.maxRow + 1) * ROW + 60;
  return (
    <div data-testid="apm-flamegraph" data-span-count={rects.length}>
      <Chart option={option} height={height} testId="apm-flame-chart" events={['click', 'datazoom']}
             onEvent={(name, p) => {
               if (name === 'click' && p.dataIndex !== undefined) onSelect(rects[p.dataIndex].index);
               if (name === 'datazoom') {
                 const z = p.batch?.[0] ?? p;
                 if (typeof z.start === 'number' && typeof z.end === 'number') zoom.current = { start: z.start, end: z.end };
               }
             }} />
      <div class="hint">Scroll to zoom, drag to pan, click a span for its attributes.</div>
    </div>
  );
}

// Clips a rectangle to the plot area (zoomed spans stay inside the grid).
function echartsClip(s: { x: number; y: number; width: number; height: number },
                     c: { x: number; y: number; width: number; height: number }) {
  const x0 = Math.max(s.x, c.x);
  const x1 = Math.min(s.x + s.width, c.x + c.width);
  if (x1 <= x0) return undefined;
  return { x: x0, y: s.y, width: x1 - x0, height: s.height };
}

// Truncates a label to about `px` pixels (≈ 6.2 px per character at 11 px).
function fit(text: string, px: number): string {
  const n = Math.floor(px / 6.2);
  return text.length <= n ? text : n > 2 ? `${text.slice(0, n - 1)}…` : '';
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
