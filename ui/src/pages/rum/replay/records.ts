// The session replay records of the Guance/Datadog browser SDK (an rrweb dialect) and the
// decoding of stored segments: each segment is a zlib (deflate) stream, written by the SDK with
// sync flushes as records arrive, of the JSON {"records": [...], "start", "end", ...}.

export const RecordType = {
  FullSnapshot: 2,
  IncrementalSnapshot: 3,
  Meta: 4,
  Focus: 6,
  ViewEnd: 7,
  VisualViewport: 8,
  FrustrationRecord: 9,
} as const;

export const Source = {
  Mutation: 0,
  MouseMove: 1,
  MouseInteraction: 2,
  Scroll: 3,
  ViewportResize: 4,
  Input: 5,
  TouchMove: 6,
  MediaInteraction: 7,
  StyleSheetRule: 8,
} as const;

// MouseInteraction types.
export const Interaction = {
  MouseUp: 0, MouseDown: 1, Click: 2, ContextMenu: 3, DblClick: 4, Focus: 5, Blur: 6, TouchStart: 7, TouchEnd: 9,
} as const;

export const NodeType = { Document: 0, DocumentType: 1, Element: 2, Text: 3, CDATA: 4, Comment: 5 } as const;

export interface SerializedNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Record<string, string | number | boolean | null>;
  childNodes?: SerializedNode[];
  textContent?: string;
  name?: string;
  publicId?: string;
  systemId?: string;
  isSVG?: boolean;
}

export interface ReplayRecord {
  type: number;
  timestamp: number;
  data?: any;
  id?: number;
}

export interface Segment {
  start: number;
  end: number;
  records: ReplayRecord[];
}

// Inflates a zlib stream with the platform's DecompressionStream('deflate'). The SDK flushes
// with Z_SYNC_FLUSH after each batch of records and ends the stream when the segment is sent; a
// segment cut short (no final block) still yields what was flushed: the bytes read before the
// error are kept.
export async function inflate(bytes: Uint8Array): Promise<Uint8Array> {
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => undefined);
  writer.close().catch(() => undefined);
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch (e) {
    if (size === 0) throw e;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// A segment's JSON; throws on anything that is not {"records": [...]}.
export function parseSegment(text: string): Segment {
  const j = JSON.parse(text);
  if (!j || typeof j !== 'object' || !Array.isArray(j.records)) throw new Error('replay segment: no records');
  const records: ReplayRecord[] = j.records.filter(
    (r: any) => r && typeof r === 'object' && typeof r.type === 'number' && typeof r.timestamp === 'number');
  const times = records.map((r) => r.timestamp);
  return {
    start: typeof j.start === 'number' ? j.start : Math.min(...times),
    end: typeof j.end === 'number' ? j.end : Math.max(...times),
    records,
  };
}

export async function decodeSegment(bytes: Uint8Array): Promise<Segment> {
  return parseSegment(new TextDecoder().decode(await inflate(bytes)));
}

// The records of all segments in time order (stable: records with the same timestamp keep
// their segment and in-segment order).
export function mergeRecords(segments: Segment[]): ReplayRecord[] {
  const all = segments.flatMap((s) => s.records);
  return all.map((r, i) => [r, i] as const)
    .sort((a, b) => a[0].timestamp - b[0].timestamp || a[1] - b[1])
    .map(([r]) => r);
}
