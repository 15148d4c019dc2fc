// The logs explorer against the real server: seeded logs (several sources, services, hosts and
// statuses, one with a trace id, one JSON message) written through the server's ingest; full-text
// search, facet counts, facet filtering, expanded rows, the trace link, paging with the cursor,
// the histogram brush, the syntax help, a bad query, the empty state and the live tail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsAgo, openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

interface Seed {
  source: string;
  host: string;
  service: string;
  status: string;
  message: string;
  agoMin: number;
  extra?: Record<string, string>;
}

const TRACE_ID = 'trace-e2e-0001';
const SPAN_ID = 'span-42';

const SEED: Seed[] = [
  { source: 'nginx', host: 'web-1', service: 'web', status: 'info', message: 'GET /index.html 200', agoMin: 10 },
  { source: 'nginx', host: 'web-1', service: 'web', status: 'info', message: 'GET /api/cart 200', agoMin: 9 },
  { source: 'nginx', host: 'web-1', service: 'web', status: 'error', agoMin: 8,
    message: 'upstream timed out while reading response header', extra: { trace_id: TRACE_ID, span_id: SPAN_ID } },
  { source: 'nginx', host: 'web-1', service: 'web', status: 'warn', message: 'GET /api/cart 502', agoMin: 7 },
  { source: 'api', host: 'web-2', service: 'cart', status: 'error', agoMin: 6,
    message: '{"level":"error","msg":"payment declined","order":42}' },
  { source: 'api', host: 'web-2', service: 'cart', status: 'info', message: 'cart checkout complete', agoMin: 5 },
  { source: 'api', host: 'web-2', service: 'cart', status: 'warn', message: 'slow query on cart items', agoMin: 4 },
  { source: 'mysql', host: 'db-1', service: 'db', status: 'error', message: 'connection reset by peer', agoMin: 3 },
  { source: 'mysql', host: 'db-1', service: 'db', status: 'warn', message: 'slow query: SELECT * FROM items', agoMin: 2 },
  { source: 'mysql', host: 'db-1', service: 'db', status: 'info', message: 'checkpoint complete', agoMin: 1 },
];

const lpString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function line(s: Omit<Seed, 'agoMin'>, ts: string): string {
  const fields = { message: s.message, status: s.status, ...(s.extra ?? {}) };
  const fs = Object.entries(fields).map(([k, v]) => `${k}=${lpString(v)}`).join(',');
  return `${s.source},host=${s.host},service=${s.service} ${fs} ${ts}`;
}

// Seeded counts of one key.
function counts(key: 'source' | 'host' | 'service' | 'status', rows: Seed[] = SEED): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r[key]] = (out[r[key]] ?? 0) + 1;
  return out;
}

// Seeded rows whose message has the word (the server's word rule: letters, digits, '_').
function withWord(word: string): Seed[] {
  return SEED.filter((s) => (s.message.toLowerCase().match(/[a-z0-9_]+/g) ?? ([] as string[])).includes(word));
}

let sx: Sextant;
let b: BrowserSession;
let seededAt = 0; // Date.now() when the seed was written

beforeAll(async () => {
  sx = await startSextant();
  b = await openBrowser();
  seededAt = Date.now();
  await sx.write('logging', SEED.map((s) => line(s, nsAgo(s.agoMin * 60_000))).join('\n'));
  // The write is visible to searches once it is in the storage's head.
  for (let i = 0; i < 50; i++) {
    const r = await sx.api('/v1/logs/search?limit=1');
    if (r.rows.length) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

async function rowMessages(): Promise<string[]> {
  return b.page.$$eval('[data-testid="logs-row-message"]', (els) => els.map((e) => e.textContent ?? ''));
}

async function waitRows(n: number): Promise<void> {
  await b.page.waitForFunction((k) => document.querySelectorAll('[data-testid="logs-row"]').length === k, n);
}

async function facetCounts(key: string): Promise<Record<string, number>> {
  return b.page.$$eval(`[data-testid="logs-facet-${key}"] [data-testid="logs-facet-value"]`, (els) =>
    Object.fromEntries(els.map((e) => [
      e.getAttribute('data-value'),
      Number((e.querySelector('[data-testid="logs-facet-count"]')?.textContent ?? '').replace(/,/g, '')),
    ])));
}

describe('logs explorer', () => {
  it('shows every seeded row newest first with the total, histogram and facets', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs');
    await waitRows(SEED.length);
    const expected = [...SEED].sort((x, y) => x.agoMin - y.agoMin).map((s) => s.message);
    expect(await rowMessages()).toEqual(expected);
    expect(await page.textContent('[data-testid="logs-total"]')).toBe(String(SEED.length));
    await page.waitForSelector('[data-testid="logs-histogram-chart"] canvas');
    await page.waitForSelector('[data-testid="logs-facet-service"] [data-testid="logs-facet-value"]');
    await screenshot(page, 'logs-explorer');
  });

  it('facet counts equal the seeded counts', async () => {
    for (const key of ['service', 'status', 'host', 'source'] as const) {
      expect(await facetCounts(key)).toEqual(counts(key));
    }
  });

  it('full-text search finds the seeded rows and highlights the terms', async () => {
    const { page } = b;
    await page.fill('[data-testid="logs-query"]', 'cart');
    await page.press('[data-testid="logs-query"]', 'Enter');
    await page.waitForFunction(() => location.hash.includes('q=cart'));
    const want = withWord('cart');
    expect(want.length).toBe(4);
    await waitRows(want.length);
    expect((await rowMessages()).sort()).toEqual(want.map((s) => s.message).sort());
    const marks = await page.$$eval('[data-testid="logs-row-message"] mark', (els) => els.map((e) => e.textContent));
    expect(marks.length).toBeGreaterThanOrEqual(want.length);
    expect(new Set(marks.map((m) => m!.toLowerCase()))).toEqual(new Set(['cart']));
    // A phrase.
    await openRoute(page, sx, `/logs?q=${encodeURIComponent('"timed out"')}`);
    await waitRows(1);
    expect(await rowMessages()).toEqual(['upstream timed out while reading response header']);
    expect(await page.textContent('[data-testid="logs-row-message"] mark')).toBe('timed out');
    // Facets follow the query.
    expect(await facetCounts('service')).toEqual({ web: 1 });
  });

  it('clicking a facet value filters; its minus button excludes', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs');
    await waitRows(SEED.length);
    await page.click('[data-testid="logs-facet-service"] [data-testid="logs-facet-value"][data-value="db"] .logs-facet-pick');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('q') === 'service:db');
    const db = SEED.filter((s) => s.service === 'db');
    await waitRows(db.length);
    expect((await rowMessages()).sort()).toEqual(db.map((s) => s.message).sort());
    expect(await page.inputValue('[data-testid="logs-query"]')).toBe('service:db');
    await page.waitForFunction((n) => document.querySelector('[data-testid="logs-total"]')?.textContent === String(n),
                               db.length);
    expect(await page.getAttribute('[data-testid="logs-facet-service"] [data-value="db"]', 'data-state')).toBe('include');
    await screenshot(page, 'logs-facet-filtered');
    // Exclude errors.
    await page.hover('[data-testid="logs-facet-status"] [data-value="error"]');
    await page.click('[data-testid="logs-facet-status"] [data-value="error"] [data-testid="logs-facet-exclude"]');
    await page.waitForFunction(() =>
      new URLSearchParams(location.hash.split('?')[1]).get('q') === 'service:db -status:error');
    const dbNoErr = db.filter((s) => s.status !== 'error');
    await waitRows(dbNoErr.length);
    expect((await rowMessages()).sort()).toEqual(dbNoErr.map((s) => s.message).sort());
    // Clicking the included value again removes it.
    await page.click('[data-testid="logs-facet-service"] [data-value="db"] .logs-facet-pick');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('q') === '-status:error');
    await waitRows(SEED.filter((s) => s.status !== 'error').length);
  });

  it('expands a row into its fields, the trace link and the JSON message', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs');
    await waitRows(SEED.length);
    const rows = await page.$$('[data-testid="logs-row"]');
    const msgs = await rowMessages();
    await rows[msgs.indexOf('upstream timed out while reading response header')].click();
    const detail = await page.waitForSelector('[data-testid="logs-row-detail"]');
    const attrs = await detail.$$eval('[data-testid="logs-attrs"] tr', (trs) =>
      Object.fromEntries(trs.map((tr) => [tr.getAttribute('data-key'), tr.querySelector('.logs-attr-value')?.textContent])));
    expect(attrs).toMatchObject({ source: 'nginx', host: 'web-1', service: 'web', status: 'error',
                                  trace_id: TRACE_ID, span_id: SPAN_ID });
    expect(await detail.$eval('[data-testid="logs-trace-link"]', (a) => a.getAttribute('href')))
      .toBe(`#/apm/traces/${TRACE_ID}?span=${SPAN_ID}`);
    expect(await detail.$eval('[data-testid="logs-link-trace_id"]', (a) => a.getAttribute('href')))
      .toBe(`#/apm/traces/${TRACE_ID}`);
    // The JSON message, pretty-printed.
    await rows[msgs.indexOf(SEED[4].message)].click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="logs-row-detail"]').length === 2);
    const pres = await page.$$eval('[data-testid="logs-message"]', (els) => els.map((e) => e.textContent));
    expect(pres).toContain(JSON.stringify(JSON.parse(SEED[4].message), null, 2));
    await screenshot(page, 'logs-expanded');
    // "Surrounding logs": the same source, host and service, 2.5 minutes either side.
    await page.click('[data-testid="logs-row-detail"] >> nth=1 >> [data-testid="logs-context-link"]');
    await page.waitForFunction(() => /from=\d{13}&to=\d{13}/.test(location.hash));
    const p = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
    expect(p.get('q')).toBe('source:nginx host:web-1 service:web');
    expect(Number(p.get('to')) - Number(p.get('from'))).toBe(5 * 60_000);
    const around = SEED.filter((s) => s.source === 'nginx' && Math.abs(s.agoMin - 8) <= 2.5);
    await waitRows(around.length);
    expect((await rowMessages()).sort()).toEqual(around.map((s) => s.message).sort());
  });

  it('loads more rows with the cursor', async () => {
    const { page } = b;
    const n = 130;
    const bulk = Array.from({ length: n }, (_, i) =>
      line({ source: 'bulk', host: 'bulk-1', service: 'bulk', status: 'info', message: `bulk line ${i}` },
           nsAgo(30_000 + i * 1000)));
    await sx.write('logging', bulk.join('\n'));
    await openRoute(page, sx, '/logs?q=source:bulk');
    await waitRows(100);
    await page.waitForFunction((k) => document.querySelector('[data-testid="logs-total"]')?.textContent === String(k), n);
    await page.click('[data-testid="logs-load-more"]');
    await waitRows(n);
    await page.waitForSelector('[data-testid="logs-end"]');
    const msgs = await rowMessages();
    expect(msgs).toEqual(Array.from({ length: n }, (_, i) => `bulk line ${i}`));
    // The extended list stops following refreshes until "Back to newest".
    await page.click('button[title="Refresh now"]');
    await page.waitForLoadState('networkidle');
    expect((await rowMessages()).length).toBe(n);
    await page.click('[data-testid="logs-newest"]');
    await waitRows(100);
  });

  it('dragging across the histogram narrows the time range', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs');
    await page.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-testid="logs-total"]')?.textContent ?? ''));
    await page.waitForSelector('[data-testid="logs-histogram"] canvas');
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = (await (await page.$('[data-testid="logs-histogram"]'))!.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /from=\d{13}&to=\d{13}/.test(location.hash), undefined, { timeout: 5000 })
      .catch(async (e) => { throw new Error(`${e.message}: ${await page.evaluate(() => location.hash)}`); });
    const p = new URLSearchParams((await page.evaluate(() => location.hash)).split('?')[1]);
    const span = Number(p.get('to')) - Number(p.get('from'));
    expect(span).toBeGreaterThan(60_000);
    expect(span).toBeLessThan(15 * 60_000);
    expect(await page.textContent('[data-testid="timepicker-toggle"]')).toContain('→');
  });

  it('clicking a histogram bar narrows the range to its bucket', async () => {
    const { page } = b;
    // An absolute range over the seeded rows 10..4 minutes old (not the bulk rows of the paging
    // test): 7 minutes, so 10 s buckets (auto: at most ~60), each with at most one row.
    const from = seededAt - 10.5 * 60_000;
    const to = seededAt - 3.5 * 60_000;
    const interval = 10_000;
    await openRoute(page, sx, `/logs?from=${from}&to=${to}`);
    await page.waitForFunction(() => /10s buckets/.test(document.querySelector('[data-testid="logs-histogram-panel"]')?.textContent ?? ''));
    await page.evaluate(() => window.scrollTo(0, 0));
    const target = SEED.find((s) => s.agoMin === 8)!; // the only row of its bucket
    const t = seededAt - target.agoMin * 60_000;
    const bucket = Math.floor(t / interval) * interval;
    const el = (await page.$('[data-testid="logs-histogram"]'))!;
    const box = (await el.boundingBox())!;
    const plot = { left: 44, right: 12, top: 30, bottom: 22 }; // Histogram.tsx's grid
    const x = box.x + plot.left + ((bucket + interval / 2 - from) / (to - from)) * (box.width - plot.left - plot.right);
    await page.mouse.click(x, box.y + box.height - plot.bottom - 10);
    await page.waitForFunction((f) => location.hash.includes(`from=${f}&`), bucket, { timeout: 5000 })
      .catch(async (e) => {
        await screenshot(page, 'logs-debug-click');
        throw new Error(`${e.message}: ${await page.evaluate(() => location.hash)} want ${bucket} x=${x} box=${JSON.stringify(box)}`);
      });
    expect(await page.evaluate(() => new URLSearchParams(location.hash.split('?')[1]).get('to')))
      .toBe(String(bucket + interval));
    await waitRows(1);
    expect(await rowMessages()).toEqual([target.message]);
  });

  it('shows the syntax help, the server message of a bad query and the empty state', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs');
    await page.click('[data-testid="logs-help-toggle"]');
    await page.waitForSelector('[data-testid="logs-help"]');
    expect(await page.textContent('[data-testid="logs-help"]')).toContain('status:(error OR warn)');
    await screenshot(page, 'logs-help');
    await page.click('[data-testid="logs-query"]'); // a click outside closes it
    await page.waitForSelector('[data-testid="logs-help"]', { state: 'detached' });
    await openRoute(page, sx, `/logs?q=${encodeURIComponent('"unterminated')}`);
    const alert = await page.waitForSelector('[role="alert"]');
    expect(await alert.textContent()).toContain('unterminated quote');
    expect(await alert.textContent()).toContain('sextant.badQuery');
    // The caret points at the position the server reported (0: the opening quote).
    expect(await page.textContent('[data-testid="logs-bad-query"] pre')).toBe('"unterminated\n^');
    await screenshot(page, 'logs-bad-query');
    await openRoute(page, sx, '/logs?from=now-7d&to=now-6d');
    await page.waitForSelector('[data-testid="empty-state"]');
    expect(await page.textContent('[data-testid="empty-state"]')).toContain('[[inputs.logging]]');
    await screenshot(page, 'logs-empty');
  });

  it('live tail shows lines written after it started; pause holds them', async () => {
    const { page } = b;
    await openRoute(page, sx, '/logs?live=1&q=service:tailsvc');
    await page.waitForFunction(() => document.querySelector('[data-testid="logs-tail-status"]')?.textContent === 'live');
    const tailLine = (msg: string) =>
      line({ source: 'tail', host: 'tail-1', service: 'tailsvc', status: 'error', message: msg }, nsAgo(0));
    await sx.write('logging', [tailLine('tail first line'),
      line({ source: 'tail', host: 'tail-1', service: 'other', status: 'info', message: 'not this one' }, nsAgo(0))]
      .join('\n'));
    await page.waitForSelector('[data-testid="logs-tail-table"] [data-testid="logs-row"]');
    expect(await rowMessages()).toEqual(['tail first line']);
    await page.click('[data-testid="logs-tail-pause"]');
    await sx.write('logging', tailLine('tail second line'));
    await page.waitForFunction(() => /1 new/.test(document.querySelector('[data-testid="logs-tail-resume"]')?.textContent ?? ''));
    expect(await rowMessages()).toEqual(['tail first line']);
    await page.click('[data-testid="logs-tail-resume"]');
    await waitRows(2);
    expect(await rowMessages()).toEqual(['tail second line', 'tail first line']);
    await screenshot(page, 'logs-live');
    await page.click('[data-testid="logs-live-toggle"]');
    await page.waitForFunction(() => !location.hash.includes('live=1'));
  });

  it('has no console errors but the rejected bad query', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 400/])).toEqual([]);
  });
});
