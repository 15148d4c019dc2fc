// Web Vitals: Google's good / needs-improvement / poor thresholds (web.dev), the ratings the
// performance page colours cells with, and how each metric is shown.
import type { Pct, VitalKey } from './api';

export type Rating = 'good' | 'ni' | 'poor';

export interface VitalDef {
  key: VitalKey;
  short: string; // "LCP"
  label: string; // "Largest Contentful Paint"
  unit: 'ms' | '';
  // [good upper bound, poor lower bound]: good ≤ good, poor > poor (web.dev), none for
  // metrics without an official threshold.
  thresholds?: [number, number];
}

export const VITALS: VitalDef[] = [
  { key: 'largest_contentful_paint_ms', short: 'LCP', label: 'Largest Contentful Paint', unit: 'ms',
    thresholds: [2500, 4000] },
  { key: 'first_contentful_paint_ms', short: 'FCP', label: 'First Contentful Paint', unit: 'ms',
    thresholds: [1800, 3000] },
  { key: 'cumulative_layout_shift', short: 'CLS', label: 'Cumulative Layout Shift', unit: '',
    thresholds: [0.1, 0.25] },
  { key: 'interaction_to_next_paint_ms', short: 'INP', label: 'Interaction to Next Paint', unit: 'ms',
    thresholds: [200, 500] },
  { key: 'first_input_delay_ms', short: 'FID', label: 'First Input Delay', unit: 'ms',
    thresholds: [100, 300] },
  { key: 'loading_time_ms', short: 'Load', label: 'Loading time', unit: 'ms' },
];

export function vitalDef(key: VitalKey): VitalDef {
  return VITALS.find((v) => v.key === key)!;
}

// The rating of a value: good at or under the first bound, poor above the second.
export function rate(key: VitalKey, v: number | null | undefined): Rating | undefined {
  const t = vitalDef(key).thresholds;
  if (!t || v === null || v === undefined || Number.isNaN(v)) return undefined;
  if (v <= t[0]) return 'good';
  if (v <= t[1]) return 'ni';
  return 'poor';
}

export const RATING_LABEL: Record<Rating, string> = {
  good: 'Good',
  ni: 'Needs improvement',
  poor: 'Poor',
};

export type Percentile = 'p50' | 'p75' | 'p90' | 'p99';
export const PERCENTILES: Percentile[] = ['p50', 'p75', 'p90', 'p99'];

export function parsePercentile(s: string | null | undefined): Percentile {
  return (PERCENTILES as string[]).includes(s ?? '') ? (s as Percentile) : 'p75';
}

export function pick(p: Pct | undefined, q: Percentile): number | null {
  return p ? p[q] ?? null : null;
}

// "320 ms", "2.54 s", "0.012" (CLS), "–".
export function formatVital(key: VitalKey, v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (vitalDef(key).unit === '') return String(Number(v.toFixed(3)));
  return formatMs(v);
}

export function formatMs(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v < 1000) return `${Number(v.toFixed(1))} ms`;
  if (v < 60_000) return `${Number((v / 1000).toFixed(2))} s`;
  const s = Math.round(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

// Shares of good / needs-improvement / poor among pages weighted by views, from each page's
// chosen percentile (a summary bar for the overall picture).
export function ratingShares(rows: { views: number; value: number | null }[], key: VitalKey):
  Record<Rating, number> {
  const out: Record<Rating, number> = { good: 0, ni: 0, poor: 0 };
  let total = 0;
  for (const r of rows) {
    const g = rate(key, r.value);
    if (!g) continue;
    out[g] += r.views;
    total += r.views;
  }
  if (total > 0) for (const k of Object.keys(out) as Rating[]) out[k] /= total;
  return out;
}
