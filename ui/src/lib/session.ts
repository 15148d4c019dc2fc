// The signed-in workspaces. A workspace is known by its token (the same token agents upload
// with); the UI keeps every token it was given in localStorage and sends the current one as
// `Authorization: Bearer`. The workspace switcher picks among them.
export interface WorkspaceEntry {
  token: string;
  name: string; // ws_name from GET /v1/workspace
  id: string; // ws_uuid
}

const KEY = 'sextant.workspaces';
const CURRENT = 'sextant.current';

export function workspaces(): WorkspaceEntry[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((w) => typeof w?.token === 'string') : [];
  } catch {
    return [];
  }
}

export function currentWorkspace(): WorkspaceEntry | undefined {
  const all = workspaces();
  const token = localStorage.getItem(CURRENT);
  return all.find((w) => w.token === token) ?? all[0];
}

export function currentToken(): string {
  return currentWorkspace()?.token ?? '';
}

export function addWorkspace(w: WorkspaceEntry): void {
  const all = workspaces().filter((x) => x.token !== w.token);
  all.push(w);
  localStorage.setItem(KEY, JSON.stringify(all));
  localStorage.setItem(CURRENT, w.token);
}

export function switchWorkspace(token: string): void {
  localStorage.setItem(CURRENT, token);
}

export function signOut(token: string): void {
  localStorage.setItem(KEY, JSON.stringify(workspaces().filter((w) => w.token !== token)));
  if (localStorage.getItem(CURRENT) === token) localStorage.removeItem(CURRENT);
}
