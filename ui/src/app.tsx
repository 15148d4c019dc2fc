// The shell: sign-in when no workspace token is known, else the top bar (areas, workspace
// switcher) and the page the hash route names.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from './components/States';
import { href, matchPath, navigate, useLocation } from './lib/router';
import { currentWorkspace, signOut, switchWorkspace, workspaces } from './lib/session';
import { Home } from './pages/home';
import { SignIn } from './pages/signin';
import { AREAS, areaOf, type PageProps, type PageRoute } from './routes';

function useAreaRoutes(prefix: string | undefined) {
  const [state, setState] = useState<{ prefix?: string; routes?: PageRoute[]; error?: Error }>({});
  useEffect(() => {
    const area = AREAS.find((a) => a.prefix === prefix);
    if (!area) return;
    let live = true;
    area.load().then(
      (m) => live && setState({ prefix, routes: m.routes }),
      (error) => live && setState({ prefix, error }),
    );
    return () => {
      live = false;
    };
  }, [prefix]);
  return state.prefix === prefix ? state : {};
}

function Routed({ path }: { path: string }) {
  const area = areaOf(path);
  const loaded = useAreaRoutes(area?.prefix);
  if (path === '/') return <Home />;
  if (!area) return <ErrorBox error={new Error(`no page at ${path}`)} />;
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (!loaded.routes) return <Loading />;
  for (const r of loaded.routes) {
    const params = matchPath(r.pattern, path);
    if (params) {
      const C = r.component as ComponentType<PageProps>;
      return <C params={params} />;
    }
  }
  return <ErrorBox error={new Error(`no page at ${path}`)} />;
}

function WorkspaceSwitcher({ onChange }: { onChange: () => void }) {
  const current = currentWorkspace();
  const all = workspaces();
  return (
    <div class="workspace">
      <select
        data-testid="workspace-switcher"
        value={current?.token}
        title="Workspace"
        onChange={(e) => {
          const v = (e.target as HTMLSelectElement).value;
          if (v === '+') navigate('/signin');
          else switchWorkspace(v);
          onChange();
        }}
      >
        {all.map((w) => <option key={w.token} value={w.token}>{w.name}</option>)}
        <option value="+">+ add workspace…</option>
      </select>
      <button class="link" onClick={() => { if (current) signOut(current.token); onChange(); }}>
        Sign out
      </button>
    </div>
  );
}

export function App() {
  const loc = useLocation();
  const [, setVersion] = useState(0);
  const bump = () => setVersion((v) => v + 1);
  const ws = currentWorkspace();
  if (loc.path === '/signin' || !ws) return <SignIn onSignedIn={bump} />;
  const area = areaOf(loc.path);
  return (
    <div class="shell" key={ws.token}>
      <header class="topbar">
        <a class="brand" href="#/">◭ Sextant</a>
        <nav>
          {AREAS.map((a) => (
            <a key={a.prefix} href={href(`/${a.prefix}`)} class={area === a ? 'active' : ''}
               data-testid={`nav-${a.prefix}`}>
              {a.label}
            </a>
          ))}
        </nav>
        <WorkspaceSwitcher onChange={bump} />
      </header>
      <main>
        <Routed path={loc.path} />
      </main>
    </div>
  );
}
