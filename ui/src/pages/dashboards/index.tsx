// The dashboards area: the list (built-in and saved, create, import) and one dashboard (view,
// edit, save, export). The model is in model.ts and docs/dashboards.md.
import type { PageRoute } from '../../routes';
import { ListPage } from './ListPage';
import { ViewPage } from './ViewPage';
import './dashboards.css';

export const routes: PageRoute[] = [
  { pattern: '/dashboards', component: ListPage },
  { pattern: '/dashboards/:id', component: ViewPage },
];
