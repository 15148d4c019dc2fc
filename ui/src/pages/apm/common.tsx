// Bits shared by the APM pages: tabs, empty-state hint, status badge, links.
import type { ComponentChildren } from 'preact';
import { agentHint } from '../../components/States';
import { formatPercent } from '../../lib/format';
import { href, useLocation } from '../../lib/router';

export const APM_TABS = [
  { path: '/apm', label: 'Services' },
  { path: '/apm/map', label: 'Service map' },
  { path: '/apm/traces', label: 'Traces' },
];

// The time range and refresh of the current URL, to carry along in links.
export function useKeep(): Record<string, string> {
  const loc = useLocation();
  const keep: Record<string, string> = {};
  for (const k of ['from', 'to', 'refresh']) {
    const v = loc.query.get(k);
    if (v) keep[k] = v;
  }
  return keep;
}

export function serviceHref(service: string, keep: Record<string, string>): string {
  return href(`/apm/services/${encodeURIComponent(service)}`, keep);
}

export function traceHref(id: string, keep: Record<string, string>, span?: string): string {
  return href(`/apm/traces/${encodeURIComponent(id)}`, span ? { ...keep, span } : keep);
}

export function TracingHint() {
  return (
    <div class="apm-hint">
      {agentHint()}
      <p>Then send spans to the agent, for example Zipkin v2 JSON to{' '}
        <code>http://&lt;agent&gt;:9529/api/v2/spans</code>, OpenTelemetry (OTLP/HTTP) to{' '}
        <code>/v1/traces</code>, or ddtrace to <code>/v0.4/traces</code>. Enable the input in{' '}
        <code>conf.d/zipkin.conf</code>:</p>
      <pre>{'[[inputs.zipkin]]\n  pathV1 = "/api/v1/spans"\n  pathV2 = "/api/v2/spans"'}</pre>
      <p class="hint">Services, rates and the map are derived from spans each minute (about 1.5
        minutes behind); single traces show up as soon as they are stored.</p>
    </div>
  );
}

export function ErrorRate({ rate }: { rate: number }) {
  const cls = rate >= 0.05 ? 'err' : rate > 0 ? 'warn' : 'ok';
  return <span class={`badge ${cls}`}>{formatPercent(rate)}</span>;
}

export function StatusBadge({ error, status }: { error?: boolean; status?: string }) {
  const bad = error || status === 'error' || status === 'critical';
  return <span class={`badge ${bad ? 'err' : 'ok'}`}>{bad ? status && status !== 'ok' ? status : 'error' : status || 'ok'}</span>;
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="apm-field">
      <span class="apm-field-label">{label}</span>
      <span class="apm-field-value">{children}</span>
    </div>
  );
}
