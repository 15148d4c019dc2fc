// The count histogram, stacked by status. Clicking a bar narrows the time range to its bucket;
// dragging across the chart (a brush) narrows it to the dragged span.
import { useMemo, useRef, useState } from 'preact/hooks';
import { Chart } from '../../components/Chart';
import { formatLocal } from '../../lib/time';
import { histogramSeries, pixelToTime, type HistogramResponse } from './query';

const GRID = { left: 44, right: 12, top: 30, bottom: 22 };

export function Histogram({ data, start, end, onRange }: {
  data: HistogramResponse;
  start: number;
  end: number;
  onRange: (from: number, to: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | undefined>();
  const dragged = useRef(false); // the gesture was a drag: its click (if any) is not a bar click
  const option = useMemo(() => {
    const series = histogramSeries(data);
    const half = data.interval_ms / 2;
    return {
      animation: false,
      grid: GRID,
      legend: { top: 0, right: 8, itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        formatter: (ps: any[]) => {
          if (!ps.length) return '';
          const t = Number(ps[0].value[0]) - half;
          const lines = ps.filter((p) => p.value[1] > 0)
            .map((p) => `${p.marker} ${p.seriesName}: <b>${p.value[1]}</b>`);
          const total = ps.reduce((s, p) => s + Number(p.value[1]), 0);
          return `${formatLocal(t)}<br/>${lines.join('<br/>')}${lines.length > 1 ? `<br/>total: <b>${total}</b>` : ''}`;
        },
      },
      xAxis: { type: 'time', min: start, max: end, axisLabel: { hideOverlap: true, fontSize: 11 } },
      yAxis: { type: 'value', minInterval: 1, splitNumber: 3, axisLabel: { fontSize: 11 } },
      series: series.map((s) => ({
        name: s.name,
        type: 'bar',
        stack: 'status',
        itemStyle: { color: s.color },
        barCategoryGap: '15%',
        barMaxWidth: 40,
        data: s.data.map(([t, v]) => [t + half, v]),
      })),
    };
  }, [data, start, end]);

  const xOf = (e: MouseEvent) => e.clientX - box.current!.getBoundingClientRect().left;
  const plotWidth = () => box.current!.clientWidth - GRID.left - GRID.right;
  const onDown = (e: MouseEvent) => {
    if (e.button !== 0) return;
    dragged.current = false;
    const x = xOf(e);
    if (x < GRID.left || x > GRID.left + plotWidth()) return;
    setDrag({ x0: x, x1: x });
  };
  const onMove = (e: MouseEvent) => drag && setDrag({ ...drag, x1: xOf(e) });
  const onUp = () => {
    if (!drag) return;
    const [a, b] = [Math.min(drag.x0, drag.x1), Math.max(drag.x0, drag.x1)];
    setDrag(undefined);
    if (b - a < 6) return; // a click: the bar's click handler narrows to its bucket
    dragged.current = true;
    const w = plotWidth();
    onRange(pixelToTime(a, GRID.left, w, start, end), pixelToTime(b, GRID.left, w, start, end));
  };
  const onEvent = (name: string, p: any) => {
    if (name !== 'click' || dragged.current || !Array.isArray(p?.value)) return;
    const t = Number(p.value[0]) - data.interval_ms / 2;
    onRange(Math.max(start, t), Math.min(end, t + data.interval_ms));
  };
  return (
    <div class="logs-histogram" ref={box} data-testid="logs-histogram" onMouseDown={onDown}
         onMouseMove={onMove} onMouseUp={onUp} onMouseLeave={() => setDrag(undefined)}>
      <Chart option={option} height={150} onEvent={onEvent} testId="logs-histogram-chart" />
      {drag && Math.abs(drag.x1 - drag.x0) >= 2 && (
        <div class="logs-brush" style={{
          left: Math.min(drag.x0, drag.x1), width: Math.abs(drag.x1 - drag.x0),
          top: GRID.top, bottom: GRID.bottom,
        }} />
      )}
    </div>
  );
}
