// Number, size, duration and time formatting shared by every page.
export function formatNumber(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return `${trim(v / 1e9, digits)}G`;
  if (a >= 1e6) return `${trim(v / 1e6, digits)}M`;
  if (a >= 1e4) return `${trim(v / 1e3, digits)}k`;
  return trim(v, digits);
}

function trim(v: number, digits: number): string {
  return String(Number(v.toFixed(digits)));
}

export function formatBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${trim(x, i === 0 ? 0 : 1)} ${units[i]}`;
}

// Microseconds to "850 µs", "12.3 ms", "1.52 s", "2m 5s".
export function formatDurationUs(us: number | null | undefined): string {
  if (us === null || us === undefined || Number.isNaN(us)) return '–';
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${trim(us / 1000, 1)} ms`;
  if (us < 60e6) return `${trim(us / 1e6, 2)} s`;
  const s = Math.round(us / 1e6);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '–';
  return `${trim(ratio * 100, digits)}%`;
}

// "3s ago", "5m ago", "2h ago", "4d ago".
export function formatAgo(ms: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
