// The Infrastructure area: the host list (/infra) and a host's detail (/infra/hosts/:host), from
// the HOST objects of the agents' hostobject input and the host metric inputs.
import type { PageRoute } from '../../routes';
import { HostDetail } from './HostDetail';
import { HostList } from './HostList';
import './infra.css';

export const routes: PageRoute[] = [
  { pattern: '/infra', component: HostList },
  { pattern: '/infra/hosts/:host', component: HostDetail },
];
