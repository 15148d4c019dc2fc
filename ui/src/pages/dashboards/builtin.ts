// The built-in dashboards (the JSON files in the repository's dashboards/ folder, bundled at build
// time). They are read-only: "Save as" copies one into the workspace.
import hostOverview from '../../../../dashboards/host_overview.json';
import { normalize, type Dashboard } from './model';

export const BUILTIN_PREFIX = 'builtin.';

const FILES: Record<string, unknown> = {
  host_overview: hostOverview,
};

export function builtinIds(): string[] {
  return Object.keys(FILES).map((k) => BUILTIN_PREFIX + k);
}

export function isBuiltin(id: string): boolean {
  return id.startsWith(BUILTIN_PREFIX);
}

export function builtin(id: string): Dashboard | undefined {
  const raw = FILES[id.slice(BUILTIN_PREFIX.length)];
  return raw ? normalize(raw) : undefined;
}
