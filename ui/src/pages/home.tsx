// The landing page: what each area shows and how to send data to this server.
import { Page, Panel } from '../components/Page';
import { agentHint } from '../components/States';
import { href } from '../lib/router';
import { AREAS } from '../routes';

const BLURBS: Record<string, string> = {
  infra: 'Hosts reported by agents: OS, CPU, memory, uptime; each host with its metrics.',
  metrics: 'Explore measurements with DQL or PromQL: pick fields and tags, chart or tabulate.',
  dashboards: 'Dashboards of charts over DQL/PromQL queries, with variables. Host Overview is built in.',
  logs: 'Full-text search, facets, histogram and live tail over collected logs.',
  apm: 'Services with RED metrics, the service map split by env/version, traces and flame graphs.',
  ci: 'GitLab pipelines and jobs from webhooks: durations, failures, trends.',
  rum: 'Browser RUM: page views, sessions, Web Vitals, resources and errors.',
};

export function Home() {
  return (
    <Page title="Overview" timePicker={false}>
      <div class="cards">
        {AREAS.map((a) => (
          <a key={a.prefix} class="card" href={href(`/${a.prefix}`)}>
            <h3>{a.label}</h3>
            <p>{BLURBS[a.prefix]}</p>
          </a>
        ))}
      </div>
      <Panel title="Send data">
        {agentHint()}
        <p>
          On the agent: host metrics and objects are on by default; traces go to{' '}
          <code>http://&lt;agent&gt;:9529/api/v2/spans</code> (Zipkin) or <code>/v1/traces</code>{' '}
          (OTLP), logs come from <code>[[inputs.logging]]</code>, GitLab webhooks to{' '}
          <code>/v1/gitlab</code>, browser RUM to <code>/v1/write/rum</code>.
        </p>
      </Panel>
    </Page>
  );
}
