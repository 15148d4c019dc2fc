// A tiny inline SVG line (service table cells): cheap enough for one per row and column, unlike
// an ECharts instance each.
export function Sparkline({ values, color = 'var(--accent)', width = 110, height = 24, title, testId }: {
  values: (number | null)[];
  color?: string;
  width?: number;
  height?: number;
  title?: string;
  testId?: string;
}) {
  const nums = values.map((v) => (v === null || Number.isNaN(v) ? null : v));
  const max = Math.max(0, ...nums.map((v) => v ?? 0));
  const n = nums.length;
  if (!n) return <span class="apm-spark-empty">–</span>;
  const x = (i: number) => (n === 1 ? width / 2 : (i / (n - 1)) * (width - 2) + 1);
  const y = (v: number) => height - 2 - (max > 0 ? (v / max) * (height - 4) : 0);
  // Gaps (null) split the line into segments.
  const segs: string[] = [];
  let cur: string[] = [];
  nums.forEach((v, i) => {
    if (v === null) {
      if (cur.length) segs.push(cur.join(' '));
      cur = [];
    } else {
      cur.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    }
  });
  if (cur.length) segs.push(cur.join(' '));
  const area = nums.every((v) => v !== null)
    ? `M1,${height - 1} L${segs[0]?.replace(/ /g, ' L')} L${(width - 1).toFixed(1)},${height - 1} Z`
    : undefined;
  return (
    <svg class="apm-spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} data-testid={testId}>
      {title && <title>{title}</title>}
      {area && <path d={area} fill={color} opacity={0.12} />}
      {segs.map((s, i) => (
        s.includes(' ')
          ? <polyline key={i} points={s} fill="none" stroke={color} stroke-width={1.5} />
          : <circle key={i} cx={s.split(',')[0]} cy={s.split(',')[1]} r={2.5} fill={color} />
      ))}
    </svg>
  );
}
