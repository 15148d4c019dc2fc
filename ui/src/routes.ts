// The areas of the UI. Each area is one lazily loaded module (pages/<area>/index.tsx) exporting
// its `routes`; the first path segment picks the area, so an area owns every path under its
// prefix and the first render only loads the shell and that one area.
import type { ComponentType } from 'preact';

export interface PageProps {
  params: Record<string, string>;
}

export interface PageRoute {
  pattern: string; // "/apm/traces/:id"
  component: ComponentType<PageProps>;
}

export interface Area {
  prefix: string; // "apm": paths "/apm" and "/apm/..."
  label: string; // the navigation entry
  load: () => Promise<{ routes: PageRoute[] }>;
}

export const AREAS: Area[] = [
  { prefix: 'infra', label: 'Infrastructure', load: () => import('./pages/infra/index') },
  { prefix: 'metrics', label: 'Metrics', load: () => import('./pages/metrics/index') },
  { prefix: 'dashboards', label: 'Dashboards', load: () => import('./pages/dashboards/index') },
  { prefix: 'logs', label: 'Logs', load: () => import('./pages/logs/index') },
  { prefix: 'apm', label: 'APM', load: () => import('./pages/apm/index') },
  { prefix: 'ci', label: 'CI', load: () => import('./pages/ci/index') },
  { prefix: 'rum', label: 'RUM', load: () => import('./pages/rum/index') },
];

export function areaOf(path: string): Area | undefined {
  const first = path.split('/').filter(Boolean)[0];
  return AREAS.find((a) => a.prefix === first);
}
