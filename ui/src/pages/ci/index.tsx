// The ci area: its routes (see src/routes.ts). Placeholder until the area is built.
import { Page } from '../../components/Page';
import { Empty } from '../../components/States';
import type { PageRoute } from '../../routes';

function Placeholder() {
  return (
    <Page title="ci">
      <Empty title="Not built yet" />
    </Page>
  );
}

export const routes: PageRoute[] = [{ pattern: '/ci', component: Placeholder }];
