// Loading, error and empty states. Empty states say how to get data in.
import type { ComponentChildren } from 'preact';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <div class="state loading" role="status">{label}</div>;
}

export function ErrorBox({ error }: { error: Error }) {
  const code = (error as any).code as string | undefined;
  return (
    <div class="state error" role="alert">
      <strong>{code ?? 'Error'}</strong>: {error.message}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty" data-testid="empty-state">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

// Where the agent and the server listen, for the "send data" hints of empty states.
export function agentHint() {
  const server = location.host;
  return (
    <p>
      Point a DataKit or <code>sextant agent</code> at this server: <code>ENV_DATAWAY=http://{server}
      ?token=&lt;token&gt;</code> (or <code>[dataway] urls</code> in <code>datakit.conf</code>).{' '}
      <code>make run</code> starts both in one process.
    </p>
  );
}
