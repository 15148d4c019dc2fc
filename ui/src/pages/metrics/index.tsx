// The Metrics area: the explorer at /metrics (pickers, DQL/PromQL editor with completion, several
// queries, chart or table; everything in the URL).
import type { PageRoute } from '../../routes';
import { Explorer } from './Explorer';
import './metrics.css';

export const routes: PageRoute[] = [{ pattern: '/metrics', component: Explorer }];
