// The RUM area (issue 9): overview, Web Vitals by page, resources, errors, sessions and a
// session's timeline, over the /v1/rum/* API (docs/api/rum.md; docs/ui/rum.md).
import type { PageRoute } from '../../routes';
import './rum.css';
import { ErrorsPage } from './errors';
import { OverviewPage } from './overview';
import { PerformancePage } from './performance';
import { ResourcesPage } from './resources';
import { SessionPage } from './session';
import { SessionsPage } from './sessions';

export const routes: PageRoute[] = [
  { pattern: '/rum', component: OverviewPage },
  { pattern: '/rum/performance', component: PerformancePage },
  { pattern: '/rum/resources', component: ResourcesPage },
  { pattern: '/rum/errors', component: ErrorsPage },
  { pattern: '/rum/sessions', component: SessionsPage },
  { pattern: '/rum/sessions/:id', component: SessionPage },
];
