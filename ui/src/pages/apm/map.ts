// Service map graph building: the /v1/apm/service_map answer for the split the user picked
// (the server splits by none, env, version or both: node ids "service:env:version" with the
// dimension not split left empty), node and edge labels, and a left-to-right layered layout.
import { formatDurationUs, formatNumber, formatPercent } from '../../lib/format';
import type { MapEdgeRaw, MapNodeRaw, ServiceMapResponse } from './types';

export type SplitMode = 'none' | 'env' | 'version' | 'env,version';
export const SPLIT_MODES: { value: SplitMode; label: string }[] = [
  { value: 'none', label: 'None' },
  { value: 'env', label: 'Env' },
  { value: 'version', label: 'Version' },
  { value: 'env,version', label: 'Env + version' },
];

export function parseSplit(s: string | null | undefined): SplitMode {
  return (['env', 'version', 'env,version'] as string[]).includes(s ?? '') ? (s as SplitMode) : 'none';
}

// The server's split parameter for a mode.
export function apiSplit(mode: SplitMode): string {
  return mode === 'none' ? 'false' : mode;
}

export interface MapNode {
  id: string;
  service: string;
  env: string;
  version: string;
  label: string; // "reviews", "reviews@v2", "reviews@canary/v2"
  requests: number;
  errors: number;
  error_rate: number;
  avg_us: number;
  p99_us: number | null;
}

export interface MapEdge extends MapEdgeRaw {
  label: string; // "10 calls · 10% err · p99 2.5 ms"
}

export interface MapGraph {
  nodes: MapNode[];
  edges: MapEdge[];
}

export function nodeLabel(service: string, env: string, version: string, mode: SplitMode): string {
  const parts: string[] = [];
  if (mode === 'env' || mode === 'env,version') parts.push(env || '–');
  if (mode === 'version' || mode === 'env,version') parts.push(version || '–');
  return parts.length && parts.some((x) => x !== '–') ? `${service}@${parts.join('/')}` : service;
}

export function edgeLabel(e: { calls: number; error_rate: number; p99_us: number | null }): string {
  const calls = `${formatNumber(e.calls)} ${e.calls === 1 ? 'call' : 'calls'}`;
  const err = `${formatPercent(e.error_rate)} err`;
  const p99 = e.p99_us === null ? 'p99 –' : `p99 ${formatDurationUs(e.p99_us)}`;
  return `${calls} · ${err} · ${p99}`;
}

// The graph from the server's answer for that mode (split=false for none, split=<mode> else).
export function buildMapGraph(resp: ServiceMapResponse, mode: SplitMode): MapGraph {
  const nodes = new Map<string, MapNode>();
  const toNode = (id: string, raw: { service: string; env?: string; version?: string }, n?: MapNodeRaw): MapNode => {
    const env = raw.env ?? '';
    const version = raw.version ?? '';
    return {
      id, service: raw.service, env, version, label: nodeLabel(raw.service, env, version, mode),
      requests: n?.requests ?? 0, errors: n?.errors ?? 0, error_rate: n?.error_rate ?? 0,
      avg_us: n?.avg_us ?? 0, p99_us: n?.p99_us ?? null,
    };
  };
  for (const n of resp.nodes) nodes.set(n.id, toNode(n.id, n, n));
  // An edge names its ends by node id; a node missing from `nodes` is parsed from the id.
  const ensure = (id: string) => {
    if (!nodes.has(id)) nodes.set(id, toNode(id, mode === 'none' ? { service: id } : parseNodeId(id)));
  };
  const outEdges: MapEdge[] = resp.edges.map((e) => {
    ensure(e.source);
    ensure(e.target);
    const edge = { source: e.source, target: e.target, calls: e.calls, errors: e.errors,
                   error_rate: e.error_rate, avg_us: e.avg_us, p99_us: e.p99_us ?? null };
    return { ...edge, label: edgeLabel(edge) };
  });
  const outNodes = [...nodes.values()];
  outNodes.sort((a, b) => a.label.localeCompare(b.label));
  outEdges.sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  return { nodes: outNodes, edges: outEdges };
}

// "reviews:prod:v2" -> parts (service names may hold ':'; env and version are the last two).
export function parseNodeId(id: string): { service: string; env: string; version: string } {
  const p = id.split(':');
  if (p.length < 3) return { service: id, env: '', version: '' };
  return { service: p.slice(0, -2).join(':'), env: p[p.length - 2], version: p[p.length - 1] };
}

// Left-to-right layers: a node's column is the longest call path reaching it (cycles are cut);
// rows spread the nodes of a column evenly. Returns positions in abstract units.
export function layeredLayout(g: MapGraph): Map<string, { x: number; y: number; column: number }> {
  const ids = g.nodes.map((n) => n.id);
  const col = new Map<string, number>(ids.map((id) => [id, 0]));
  // Bellman-Ford style relaxation, bounded by the node count (a cycle cannot grow forever).
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const e of g.edges) {
      if (e.source === e.target) continue;
      const c = (col.get(e.source) ?? 0) + 1;
      if (c > (col.get(e.target) ?? 0) && c < ids.length) {
        col.set(e.target, c);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = new Map<number, string[]>();
  for (const n of g.nodes) {
    const c = col.get(n.id) ?? 0;
    const l = columns.get(c);
    if (l) l.push(n.id);
    else columns.set(c, [n.id]);
  }
  // Order each column by the mean row of its callers (fewer crossings); column 0 puts callers
  // first and lone nodes last.
  const rowOf = new Map<string, number>();
  const callers = new Map<string, string[]>();
  const hasOut = new Set(g.edges.map((e) => e.source));
  for (const e of g.edges) (callers.get(e.target) ?? callers.set(e.target, []).get(e.target)!).push(e.source);
  for (const c of [...columns.keys()].sort((a, b) => a - b)) {
    const l = columns.get(c)!;
    const key = (id: string) => {
      const ys = (callers.get(id) ?? []).map((s) => rowOf.get(s)).filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : c === 0 && !hasOut.has(id) ? 1e9 : 1e8;
    };
    const keys = new Map(l.map((id) => [id, key(id)]));
    l.sort((a, b) => keys.get(a)! - keys.get(b)!);
    l.forEach((id, i) => rowOf.set(id, i));
  }
  const out = new Map<string, { x: number; y: number; column: number }>();
  const tallest = Math.max(1, ...[...columns.values()].map((l) => l.length));
  for (const [c, l] of columns) {
    l.forEach((id, i) => {
      out.set(id, { x: c * 300, y: ((i + 0.5) * tallest / l.length) * 110, column: c });
    });
  }
  return out;
}
