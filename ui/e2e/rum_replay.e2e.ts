// The session replay player against the real server: the Guance browser SDK's replay segment
// (/work/shared/fixtures/rum, posted to the agent's /v1/write/rum/replay with the captured
// headers and multipart body) and the same session's RUM batches. The capture is older than the
// agent's time-skew window (2 h: older points are stamped "now"), so the batches and the segment
// are re-stamped by one shift: the segment's records are re-compressed as the SDK does (a zlib
// stream with a sync flush after each record) and the multipart's start/end/raw_segment_size
// rewritten; every other byte is as captured. The session page rebuilds the recorded page in a
// sandboxed iframe and plays it.
import { readFileSync } from 'node:fs';
import { constants, createDeflate, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors, SHARED,
         type BrowserSession, type Sextant } from './harness';

const FIX = `${SHARED}/fixtures/rum`;
const SESSION = '068d0475-e85c-4c85-b14c-dfa2973dde53';
// The segment's start and end as captured (its JSON, read by hand).
const CAPTURED_START = 1795271877189;
const CAPTURED_END = 1795271880620;
const SHIFT = Date.now() - 5 * 60_000 - CAPTURED_END;
const REPLAY_START = CAPTURED_START + SHIFT;
const REPLAY_END = CAPTURED_END + SHIFT;
const RANGE = `from=${REPLAY_START - 600_000}&to=${REPLAY_END + 600_000}`;
const SDK_HEADERS = {
  'Content-Type': 'text/plain;charset=UTF-8',
  Origin: 'http://127.0.0.1:18080',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
};
// The recorded page's <img src="http://127.0.0.1:18080/missing.png"> does not load here (nothing
// listens there): the only console error the replay may cause.
const ALLOW = [/Failed to load resource: net::ERR_CONNECTION_REFUSED/];

let sx: Sextant;
let b: BrowserSession;

async function waitFor(check: () => Promise<boolean>, what: string) {
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// zlib with a sync flush after each chunk, ended (the SDK's segment stream).
function deflateFlushed(chunks: string[]): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const z = createDeflate();
    const out: Buffer[] = [];
    z.on('data', (d: Buffer) => out.push(d));
    z.on('end', () => ok(Buffer.concat(out)));
    z.on('error', fail);
    const step = (i: number) => {
      if (i === chunks.length) {
        z.end();
        return;
      }
      z.write(chunks[i]);
      z.flush(constants.Z_SYNC_FLUSH, () => step(i + 1));
    };
    step(0);
  });
}

// The captured multipart body with the segment's times shifted.
async function restampedReplay(body: Buffer, boundary: string): Promise<Buffer> {
  const head = body.indexOf('name="segment"');
  const start = body.indexOf('\r\n\r\n', head) + 4;
  const end = body.indexOf(`\r\n--${boundary}`, start);
  const j = JSON.parse(inflateSync(body.subarray(start, end)).toString());
  for (const r of j.records) r.timestamp += SHIFT;
  j.start += SHIFT;
  j.end += SHIFT;
  const { records, ...rest } = j;
  const tail = JSON.stringify(rest).slice(1);
  const chunks = ['{"records":[' + records.map((r: unknown) => JSON.stringify(r)).join(',') + '],', tail];
  const json = chunks.join('');
  const seg = await deflateFlushed(chunks);
  const fields = body.subarray(end).toString('latin1')
    .replace(`"start"\r\n\r\n${CAPTURED_START}`, `"start"\r\n\r\n${REPLAY_START}`)
    .replace(`"end"\r\n\r\n${CAPTURED_END}`, `"end"\r\n\r\n${REPLAY_END}`)
    .replace(/"raw_segment_size"\r\n\r\n\d+/, `"raw_segment_size"\r\n\r\n${Buffer.byteLength(json)}`);
  return Buffer.concat([body.subarray(0, start), seg, Buffer.from(fields, 'latin1')]);
}

// A second segment, written here (the capture has one): 10 s after the first ends (an inactive
// stretch that "skip inactivity" jumps), mutations
// (an added paragraph and input, a changed heading, an attribute, a removed button, an added
// <script> and onclick that must not arrive), the input's value, a viewport resize. Node ids
// continue the capture's (body 19, h1 8, its text 7, #buy 11, #boom 14).
const SEG2_START = REPLAY_END + 10_000;
const SEG2_END = SEG2_START + 600;
function secondSegment(): string {
  const t = SEG2_START;
  const el = (id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []) =>
    ({ type: 2, id, tagName, attributes, childNodes });
  const records = [
    { type: 3, timestamp: t, data: { source: 0, removes: [{ parentId: 19, id: 14 }],
      adds: [
        { parentId: 19, nextId: 11, node: el(100, 'p', { id: 'added', onclick: 'steal()' }, [{ type: 3, id: 101, textContent: 'Added by a mutation' }]) },
        { parentId: 19, nextId: null, node: el(102, 'input', { id: 'qty', type: 'text' }) },
        { parentId: 100, nextId: null, node: el(103, 'script', {}, [{ type: 3, id: 104, textContent: 'steal()' }]) },
      ],
      texts: [{ id: 7, value: 'RUM test (changed)' }],
      attributes: [{ id: 11, attributes: { 'data-state': 'busy', onmouseover: 'steal()' } }] } },
    { type: 3, timestamp: t + 200, data: { source: 5, id: 102, text: '42' } },
    { type: 3, timestamp: t + 300, data: { source: 1, positions: [{ id: 102, x: 300, y: 200, timeOffset: 0 }] } },
    { type: 3, timestamp: t + 400, data: { source: 4, width: 1000, height: 600 } },
    { type: 3, timestamp: t + 600, data: { source: 3, id: 19, x: 0, y: 0 } },
  ];
  return JSON.stringify({ records, start: SEG2_START, end: SEG2_END, creation_reason: 'segment_duration_limit',
                          records_count: records.length, has_full_snapshot: false });
}

function buildMultipart(boundary: string, segment: Buffer, fields: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="segment"; filename="${SESSION}-${SEG2_START}"\r\n` +
                                       'Content-Type: application/octet-stream\r\n\r\n'), segment];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}`));
  }
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

beforeAll(async () => {
  sx = await startSextant({ conf: { 'rum.conf': '[[inputs.rum]]\n' } });
  for (const f of ['guance-rum_lineproto_batch1.txt', 'guance-rum_lineproto_pageexit.txt']) {
    const body = readFileSync(`${FIX}/${f}`, 'utf8').replace(/ (\d{13})(?=\n|$)/g, (_, t) => ` ${Number(t) + SHIFT}`);
    const r = await sx.postAgent('/v1/write/rum?precision=ms', body, SDK_HEADERS);
    if (!r.ok) throw new Error(`${f}: ${r.status} ${await r.text()}`);
  }
  const req = JSON.parse(readFileSync(`${FIX}/guance-rum_replay_segment.request.json`, 'utf8'));
  const ct = req.headers.find((h: string[]) => h[0].toLowerCase() === 'content-type')[1];
  const multipart = await restampedReplay(readFileSync(`${FIX}/guance-rum_replay_segment.multipart`),
                                          /boundary=(\S+)/.exec(ct)![1]);
  const r = await sx.postAgent(req.path, multipart,
                               { 'Content-Type': ct, Origin: SDK_HEADERS.Origin, 'User-Agent': SDK_HEADERS['User-Agent'] });
  if (!r.ok) throw new Error(`replay: ${r.status} ${await r.text()}`);
  const seg2 = await deflateFlushed([secondSegment()]);
  const r2 = await sx.postAgent(req.path, buildMultipart('----sextant2', seg2, {
    start: SEG2_START, end: SEG2_END, creation_reason: 'segment_duration_limit', records_count: 5, has_full_snapshot: 'false',
    app_id: 'rc_test_app', session_id: SESSION, view_id: '787c21c6-6d08-43f9-9743-12ee28d17672',
  }), { 'Content-Type': 'multipart/form-data; boundary=----sextant2', Origin: SDK_HEADERS.Origin });
  if (!r2.ok) throw new Error(`replay 2: ${r2.status} ${await r2.text()}`);
  await waitFor(async () => {
    const s = await fetch(`${sx.serverUrl}/v1/rum/sessions/${SESSION}?start=${REPLAY_START - 600_000}&end=${REPLAY_END + 600_000}&token=${sx.token}`);
    const g = await fetch(`${sx.serverUrl}/v1/rum/replay/${SESSION}?token=${sx.token}`);
    const segs = g.ok ? (await g.json()).segments : [];
    return s.ok && segs?.length === 2 && segs[0].start === REPLAY_START && segs[1].end === SEG2_END;
  }, 'the session and its replay');
  b = await openBrowser();
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

describe('session replay', () => {
  it("Chromium's DecompressionStream('deflate') inflates the SDK's captured segment (sync flushes) whole", async () => {
    const body = readFileSync(`${FIX}/guance-rum_replay_segment.multipart`);
    const boundary = body.subarray(0, body.indexOf('\r\n')).toString();
    const start = body.indexOf('\r\n\r\n', body.indexOf('name="segment"')) + 4;
    const seg = [...body.subarray(start, body.indexOf(`\r\n${boundary}`, start))];
    const out = await b.page.evaluate(async (bytes) => {
      const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('deflate'));
      const text = await new Response(stream).text();
      const j = JSON.parse(text);
      return { size: new TextEncoder().encode(text).length, records: j.records.length, href: j.records[0].data.href };
    }, seg);
    // 3218 bytes inflated: the capture's raw_segment_size field.
    expect(out).toEqual({ size: 3218, records: 16, href: 'http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1' });
  });

  it('rebuilds the recorded page in a sandboxed iframe without its scripts', async () => {
    const { page } = b;
    await openRoute(page, sx, `/rum/sessions/${SESSION}?${RANGE}`);
    await page.waitForSelector('[data-testid="replay-play"]:not([disabled])');
    const frame = page.locator('[data-testid="replay-frame"]');
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin');
    const doc = frame.contentFrame();
    await doc.locator('h1').waitFor();
    expect(await doc.locator('h1').textContent()).toBe('RUM test');
    expect(await doc.locator('#buy').textContent()).toBe('Buy now');
    expect(await doc.locator('#boom').textContent()).toBe('Crash');
    // The recorded onclick="doFetch()" and any script are gone.
    expect(await doc.locator('#buy').getAttribute('onclick')).toBeNull();
    expect(await doc.locator('script').count()).toBe(0);
    const title = await (await frame.elementHandle())!.evaluate((f) => (f as HTMLIFrameElement).contentDocument!.title);
    expect(title).toBe('RC RUM test page');
    // Relative URLs resolve against the recorded page (a <base> from the Meta href).
    const base = await (await frame.elementHandle())!.evaluate((f) => (f as HTMLIFrameElement).contentDocument!.baseURI);
    expect(base).toBe('http://127.0.0.1:18080/index.html?traceType=zipkin&replay=1');
    // The Meta viewport (1280×720), scaled into the panel.
    expect(await frame.getAttribute('width')).toBe('1280');
    expect(await frame.getAttribute('height')).toBe('720');
    expect(await page.textContent('[data-testid="replay-time"]')).toBe('0:00 / 0:14');
    expect(await page.locator('[data-testid="replay-segment-mark"]').count()).toBe(1);
    expect(await page.locator('[data-testid="replay-gap"]').count()).toBe(1);
    // The session's events on the timeline: the view, the "Buy now" click, the errors.
    expect(await page.locator('[data-testid="replay-mark-view"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="replay-mark-action"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="replay-mark-error"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="replay-cursor"]').isVisible()).toBe(false);
  });

  it('plays: the cursor moves to the clicked buttons, ripples show clicks, the timeline advances', async () => {
    const { page } = b;
    await page.click('[data-testid="replay-speed-1"]');
    await page.click('[data-testid="replay-play"]');
    expect(await page.textContent('[data-testid="replay-play"]')).toBe('Pause');
    // The first click on "Buy now" (41, 90) at +1.8 s.
    await page.waitForSelector('[data-testid="replay-click"]', { state: 'attached', timeout: 10_000 });
    const cursor = page.locator('[data-testid="replay-cursor"]');
    expect(await cursor.isVisible()).toBe(true);
    expect([await cursor.getAttribute('data-x'), await cursor.getAttribute('data-y')]).toEqual(['41', '90']);
    await screenshot(page, 'rum-replay-playing');
    // The click on "Crash" (104, 90) at the end of the first segment.
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-cursor"]')?.getAttribute('data-x') === '104',
                               undefined, { timeout: 10_000 });
    // The end of the second segment: with "skip inactivity" (on by default) the 10 s without
    // activity are jumped (played, they alone would outlast this wait); playback stops at 0:14
    // with the second segment's mutations applied.
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-play"]')?.textContent === 'Play', undefined,
                               { timeout: 8_000 });
    expect([await cursor.getAttribute('data-x'), await cursor.getAttribute('data-y')]).toEqual(['300', '200']);
    expect(await page.textContent('[data-testid="replay-time"]')).toBe('0:14 / 0:14');
    const width = await page.$eval('[data-testid="replay-progress"]', (e) => (e as HTMLElement).style.width);
    expect(width).toBe('100%');
    const frame = page.locator('[data-testid="replay-frame"]');
    const doc = frame.contentFrame();
    expect(await doc.locator('h1').textContent()).toBe('RUM test (changed)');
    expect(await doc.locator('#added').textContent()).toBe('Added by a mutation');
    expect(await doc.locator('#added').getAttribute('onclick')).toBeNull();
    expect(await doc.locator('script').count()).toBe(0);
    expect(await doc.locator('#boom').count()).toBe(0);
    // (Read through the player's own access to the frame: Playwright's evaluation inside the
    // frame's main world would be blocked by the sandbox, and logged.)
    const inFrame = <T>(fn: (d: Document) => T) =>
      page.$eval('[data-testid="replay-frame"]', (f, src) => new Function('d', `return (${src})(d)`)((f as HTMLIFrameElement).contentDocument),
                 fn.toString()) as Promise<T>;
    expect(await inFrame((d) => (d.getElementById('qty') as HTMLInputElement).value)).toBe('42');
    expect(await doc.locator('#buy').getAttribute('data-state')).toBe('busy');
    expect(await doc.locator('#buy').getAttribute('onmouseover')).toBeNull();
    // The order: the added paragraph before "Buy now", the input last.
    expect(await inFrame((d) => [...d.body.children].map((e) => e.id || e.tagName.toLowerCase())))
      .toEqual(['h1', 'added', 'buy', 'img', 'qty']);
    // The viewport resize.
    expect([await frame.getAttribute('width'), await frame.getAttribute('height')]).toEqual(['1000', '600']);
    await screenshot(page, 'rum-replay-end');
  });

  it('seeks back: the state is rebuilt from the full snapshot', async () => {
    const { page } = b;
    const box = (await page.locator('[data-testid="replay-timeline"]').boundingBox())!;
    await page.mouse.click(box.x + 2, box.y + box.height / 2);
    expect(await page.textContent('[data-testid="replay-time"]')).toBe('0:00 / 0:14');
    expect(await page.locator('[data-testid="replay-cursor"]').isVisible()).toBe(false);
    const frame = page.locator('[data-testid="replay-frame"]');
    const doc = frame.contentFrame();
    expect(await doc.locator('h1').textContent()).toBe('RUM test');
    expect(await doc.locator('#added').count()).toBe(0);
    expect(await doc.locator('#boom').textContent()).toBe('Crash');
    expect([await frame.getAttribute('width'), await frame.getAttribute('height')]).toEqual(['1280', '720']);
    await page.click('[data-testid="replay-speed-8"]');
    await page.click('[data-testid="replay-play"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="replay-play"]')?.textContent === 'Play', undefined,
                               { timeout: 10_000 });
    expect(await page.getAttribute('[data-testid="replay-cursor"]', 'data-x')).toBe('300');
    expect(await doc.locator('h1').textContent()).toBe('RUM test (changed)');
    expect(unexpectedConsoleErrors(b.consoleErrors, ALLOW)).toEqual([]);
  });
});
