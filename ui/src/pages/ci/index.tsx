// The CI area (GitLab pipelines and jobs from webhooks; docs/ui/ci.md): overview, pipeline list,
// pipeline detail, job list. Routes: see src/routes.ts.
import type { PageRoute } from '../../routes';
import './ci.css';
import { Jobs } from './Jobs';
import { Overview } from './Overview';
import { PipelineDetail } from './PipelineDetail';
import { Pipelines } from './Pipelines';

export const routes: PageRoute[] = [
  { pattern: '/ci', component: Overview },
  { pattern: '/ci/pipelines', component: Pipelines },
  { pattern: '/ci/pipelines/:id', component: PipelineDetail },
  { pattern: '/ci/jobs', component: Jobs },
];
