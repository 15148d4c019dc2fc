// One ECharts instance in a div: created on mount, updated when `option` changes, resized with
// its box, disposed on unmount. `onEvent` receives ECharts events ('click', 'datazoom', ...).
import { useEffect, useRef } from 'preact/hooks';
import { echarts, type EChartsOption } from './echarts';

export interface ChartProps {
  option: EChartsOption;
  height?: number | string;
  onEvent?: (name: string, params: any) => void;
  events?: string[];
  testId?: string;
}

export function Chart({ option, height = 240, onEvent, events = ['click'], testId }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>();
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const c = echarts.init(el.current!, undefined, { renderer: 'canvas' });
    chart.current = c;
    for (const name of events) c.on(name, (p: any) => handler.current?.(name, p));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={el} class="chart" data-testid={testId} style={{ height, width: '100%' }} />;
}
