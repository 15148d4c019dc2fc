// A page's frame: title, optional tabs of its area, toolbar (the time picker unless
// timePicker=false, plus the page's own controls), and the body.
import type { ComponentChildren } from 'preact';
import { href, useLocation } from '../lib/router';
import { TimePicker } from './TimePicker';

export interface Tab {
  path: string;
  label: string;
}

export function Page({ title, tabs, actions, timePicker = true, children }: {
  title: ComponentChildren;
  tabs?: Tab[];
  actions?: ComponentChildren;
  timePicker?: boolean;
  children: ComponentChildren;
}) {
  const loc = useLocation();
  // Tabs keep the time range and refresh when switching.
  const keep: Record<string, string> = {};
  for (const k of ['from', 'to', 'refresh']) {
    const v = loc.query.get(k);
    if (v) keep[k] = v;
  }
  return (
    <div class="page">
      <div class="page-head">
        <h1>{title}</h1>
        <div class="toolbar">
          {actions}
          {timePicker && <TimePicker />}
        </div>
      </div>
      {tabs && (
        <nav class="tabs">
          {tabs.map((t) => (
            <a key={t.path} href={href(t.path, keep)} class={loc.path === t.path ? 'active' : ''}>
              {t.label}
            </a>
          ))}
        </nav>
      )}
      <div class="page-body">{children}</div>
    </div>
  );
}

// A titled box on a page.
export function Panel({ title, children, actions, testId }: {
  title?: ComponentChildren;
  children: ComponentChildren;
  actions?: ComponentChildren;
  testId?: string;
}) {
  return (
    <section class="panel" data-testid={testId}>
      {(title || actions) && (
        <div class="panel-head">
          <h2>{title}</h2>
          <div>{actions}</div>
        </div>
      )}
      {children}
    </section>
  );
}

// Big numbers in a row (overviews).
export function Stat({ label, value, testId }: { label: string; value: ComponentChildren; testId?: string }) {
  return (
    <div class="stat" data-testid={testId}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
    </div>
  );
}
