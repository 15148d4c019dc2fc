// The APM area: services (RED with sparklines), one service, the service map (env/version split),
// the trace explorer and one trace (flame graph, waterfall, span list, attributes).
import type { PageRoute } from '../../routes';
import './apm.css';
import { MapPage } from './MapPage';
import { ServicePage } from './ServicePage';
import { ServicesPage } from './ServicesPage';
import { TracePage } from './TracePage';
import { TracesPage } from './TracesPage';

export const routes: PageRoute[] = [
  { pattern: '/apm', component: ServicesPage },
  { pattern: '/apm/services/:service', component: ServicePage },
  { pattern: '/apm/map', component: MapPage },
  { pattern: '/apm/traces', component: TracesPage },
  { pattern: '/apm/traces/:id', component: TracePage },
];
