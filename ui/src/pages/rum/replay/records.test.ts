// The segment decoder against the real Guance browser SDK capture (expected values read by hand
// from the capture, inflated with Python's zlib).
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSegment, inflate, mergeRecords, parseSegment, type ReplayRecord } from './records';

const FIX = '/work/shared/fixtures/rum';

// The `segment` file part of the captured multipart body.
function segmentPart(): Uint8Array {
  const body = readFileSync(`${FIX}/guance-rum_replay_segment.multipart`);
  const boundary = body.subarray(0, body.indexOf('\r\n')).toString();
  const head = body.indexOf('name="segment"');
  const start = body.indexOf('\r\n\r\n', head) + 4;
  const end = body.indexOf(`\r\n${boundary}`, start);
  return new Uint8Array(body.subarray(start, end));
}

describe('decodeSegment', () => {
  it('decodes the SDK segment (zlib with sync flushes) into its records', async () => {
    const seg = await decodeSegment(segmentPart());
    expect(seg.records.length).toBe(16);
    expect(seg.records.map((r) => r.type)).toEqual([4, 6, 2, 8, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 9]);
    expect(seg.records[0].data.href).toBe('http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1');
    expect(seg.records[0].data.width).toBe(1280);
    expect(seg.records[0].data.height).toBe(720);
    expect(seg.start).toBe(1795271877189);
    expect(seg.end).toBe(1795271880620);
    // The full snapshot's <title>.
    const html = seg.records[2].data.node.childNodes[1];
    const title = html.childNodes[0].childNodes[1];
    expect(title.tagName).toBe('title');
    expect(title.childNodes[0].textContent).toBe('RC RUM test page');
    // Sources of the incremental records: mouse move, then interactions.
    expect(seg.records.filter((r) => r.type === 3).map((r) => r.data.source)).toEqual([1, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2]);
  });

  it('keeps what was flushed of a stream cut short', async () => {
    const bytes = segmentPart();
    // Up to the end of the first sync flush (00 00 ff ff, at byte 138 of the capture).
    const text = new TextDecoder().decode(await inflate(bytes.subarray(0, 138)));
    expect(text).toBe('{"records":[{"data":{"height":720,"href":"http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1",' +
      '"width":1280},"type":4,"timestamp":1795271877189}');
  });

  it('rejects garbage and JSON without records', async () => {
    await expect(decodeSegment(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow();
    await expect(decodeSegment(new Uint8Array(deflateSync('{"x":1}')))).rejects.toThrow(/no records/);
    expect(() => parseSegment('[1]')).toThrow();
  });

  it('drops malformed records and infers start/end', () => {
    const s = parseSegment('{"records":[{"type":4,"timestamp":5},null,{"type":"x","timestamp":1},{"type":3,"timestamp":9}]}');
    expect(s.records.length).toBe(2);
    expect([s.start, s.end]).toEqual([5, 9]);
  });
});

describe('mergeRecords', () => {
  it('orders records of all segments by time, stable within a timestamp', () => {
    const r = (timestamp: number, type: number): ReplayRecord => ({ timestamp, type });
    const a = { start: 0, end: 0, records: [r(10, 4), r(10, 2), r(30, 3)] };
    const b = { start: 0, end: 0, records: [r(20, 3), r(30, 7)] };
    expect(mergeRecords([b, a]).map((x) => `${x.timestamp}:${x.type}`)).toEqual(['10:4', '10:2', '20:3', '30:7', '30:3']);
  });
});
