// Response shapes of the APM API (docs/api/apm.md; src/server/trace_api/trace_api.cc).
export interface ServiceStats {
  service: string;
  resource?: string;
  env?: string;
  version?: string;
  requests: number;
  errors: number;
  error_rate: number;
  qps: number;
  avg_us: number;
  p50_us: number | null;
  p75_us: number | null;
  p90_us: number | null;
  p95_us: number | null;
  p99_us: number | null;
  max_us: number;
}

export interface MapNodeRaw {
  id: string;
  service: string;
  env?: string;
  version?: string;
  requests: number;
  errors: number;
  error_rate: number;
  avg_us: number;
  p99_us: number | null;
}

export interface MapEdgeRaw {
  source: string;
  target: string;
  calls: number;
  errors: number;
  error_rate: number;
  avg_us: number;
  p99_us: number | null;
}

export interface ServiceMapResponse {
  nodes: MapNodeRaw[];
  edges: MapEdgeRaw[];
}

export interface TraceSummary {
  trace_id: string;
  service: string;
  resource: string;
  start_us: number;
  duration_us: number;
  span_count: number;
  error: boolean;
}

export interface TraceSpan {
  span_id: string;
  parent_id: string;
  service: string;
  resource: string;
  operation?: string;
  span_type?: string;
  source?: string;
  status?: string;
  start_us: number;
  duration_us: number;
  self_us?: number;
  depth?: number;
  entry?: boolean;
  env?: string;
  version?: string;
  tags?: Record<string, string>;
  error?: boolean;
}

export interface TraceDoc {
  trace_id: string;
  start_us: number;
  duration_us: number;
  spans: TraceSpan[];
  services: { service: string; self_us: number; share: number }[];
}
