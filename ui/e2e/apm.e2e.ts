// The APM area against the real server: real Zipkin v2 captures (fixtures/tracing) plus
// Bookinfo-shaped canary traces (reviews v1 in prod, reviews v2 in canary) posted to the agent's
// Zipkin endpoint, re-stamped 3 minutes into the past so their minute is already closed and the
// APM deriver writes apm_service/apm_edge right after the traces go idle (~10 s). Expected numbers
// come from the seed.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, openRoute, screenshot, SHARED, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

let sx: Sextant;
let b: BrowserSession;

interface ZSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  timestamp: number;
  duration: number;
  localEndpoint?: { serviceName: string };
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
}

const ZK_TRACE = 'ea9ab6c2140ad42c7fbe5cea58b3732b'; // zipkin-js_v2_spans.json: 3 spans, one error
const OTEL_TRACE = '5c37f3da9dc82374183117b38af4581e'; // otel-js_zipkin_v2_spans.json
const BOOK = 10; // Bookinfo traces: productpage -> details, productpage -> reviews (-> ratings on v2)
const CANARY = 3; // the last 3 go to reviews v2 (env canary), which calls ratings
const canaryTrace = (i: number) => `4bf92f3577b34da6a3ce929d0e0e${(0x4700 + i).toString(16)}`;

function fixture(name: string): ZSpan[] {
  return JSON.parse(readFileSync(join(SHARED, 'fixtures/tracing', name), 'utf8'));
}

function restamp(spans: ZSpan[], at: number): ZSpan[] {
  const min = Math.min(...spans.map((s) => s.timestamp));
  return spans.map((s) => ({
    ...s,
    timestamp: s.timestamp - min + at,
    annotations: s.annotations?.map((a) => ({ ...a, timestamp: a.timestamp - min + at })),
  }));
}

function bookinfo(base: number): ZSpan[] {
  const out: ZSpan[] = [];
  const hex = (n: number) => n.toString(16).padStart(16, '0');
  for (let i = 0; i < BOOK; i++) {
    const t = canaryTrace(i);
    const t0 = base + i * 10_000;
    const canary = i >= BOOK - CANARY;
    const id = (k: number) => hex(0xa000 + i * 16 + k);
    const tags = (env: string, version: string, extra: Record<string, string> = {}) => ({ env, version, ...extra });
    const ep = (serviceName: string) => ({ serviceName });
    out.push({ traceId: t, id: id(1), name: 'get /productpage', kind: 'SERVER', timestamp: t0, duration: 20_000,
               localEndpoint: ep('productpage'), tags: tags('prod', 'v1', { 'http.method': 'GET' }) });
    out.push({ traceId: t, id: id(2), parentId: id(1), name: 'get /details', kind: 'CLIENT', timestamp: t0 + 1000,
               duration: 3000, localEndpoint: ep('productpage'), tags: tags('prod', 'v1') });
    out.push({ traceId: t, id: id(3), parentId: id(2), name: 'get /details', kind: 'SERVER', timestamp: t0 + 1200,
               duration: 2500, localEndpoint: ep('details'),
               tags: tags('prod', 'v1', i === 0 ? { error: 'details backend timeout' } : {}) });
    out.push({ traceId: t, id: id(4), parentId: id(1), name: 'get /reviews', kind: 'CLIENT', timestamp: t0 + 5000,
               duration: 12_000, localEndpoint: ep('productpage'), tags: tags('prod', 'v1') });
    out.push({ traceId: t, id: id(5), parentId: id(4), name: 'get /reviews', kind: 'SERVER', timestamp: t0 + 5200,
               duration: 11_000, localEndpoint: ep('reviews'), tags: canary ? tags('canary', 'v2') : tags('prod', 'v1') });
    if (canary) {
      out.push({ traceId: t, id: id(6), parentId: id(5), name: 'get /ratings', kind: 'CLIENT', timestamp: t0 + 6000,
                 duration: 5000, localEndpoint: ep('reviews'), tags: tags('canary', 'v2') });
      out.push({ traceId: t, id: id(7), parentId: id(6), name: 'get /ratings', kind: 'SERVER', timestamp: t0 + 6100,
                 duration: 4000, localEndpoint: ep('ratings'), tags: tags('prod', 'v1') });
    }
  }
  return out;
}

async function postSpans(spans: ZSpan[]) {
  const r = await sx.postAgent('/api/v2/spans', JSON.stringify(spans), { 'Content-Type': 'application/json' });
  expect(r.status).toBeLessThan(300);
}

// Polls until the deriver has written the seed's minute (bounded).
async function waitFor(what: string, ok: () => Promise<boolean>, ms = 90_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  sx = await startSextant({
    conf: { 'zipkin.conf': '[[inputs.zipkin]]\n  pathV1 = "/api/v1/spans"\n  pathV2 = "/api/v2/spans"\n' },
  });
  const base = (Date.now() - 3 * 60_000) * 1000; // µs
  await postSpans(restamp(fixture('zipkin-js_v2_spans.json'), base));
  await postSpans(restamp(fixture('otel-js_zipkin_v2_spans.json'), base + 1000));
  await postSpans(bookinfo(base + 2000));
  await waitFor('apm_service points', async () => {
    const r = await sx.api('/v1/apm/services');
    const n = (s: string) => r.services.find((x: any) => x.service === s)?.requests;
    return n('productpage') === BOOK && n('ratings') === CANARY && n('zk-frontend') === 1;
  });
  await waitFor('the edges', async () => {
    const r = await sx.api('/v1/apm/service_map?split=true');
    return r.edges.some((e: any) => e.source.startsWith('reviews:') && e.target.startsWith('ratings:'));
  });
  b = await openBrowser();
  await signIn(b.page, sx);
});

afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

describe('apm', () => {
  it('lists the seeded services with their request counts and sparklines', async () => {
    const { page } = b;
    await openRoute(page, sx, '/apm');
    await page.waitForSelector('[data-testid="apm-services-table"]');
    const rows = await page.$$eval('[data-testid="apm-services-table"] tbody tr', (trs) =>
      trs.map((tr) => [tr.querySelector('[data-testid="apm-service-link"]')?.textContent,
                       tr.querySelector('[data-testid="apm-requests"]')?.textContent]));
    const counts = Object.fromEntries(rows);
    expect(counts).toMatchObject({
      productpage: String(BOOK), details: String(BOOK), reviews: String(BOOK), ratings: String(CANARY),
      'zk-frontend': '1', 'otel-zipkin-svc': '1',
    });
    // details: 1 error out of 10 requests.
    const details = page.locator('[data-testid="apm-services-table"] tbody tr', { hasText: 'details' });
    expect(await details.textContent()).toContain('10%');
    // Latency percentiles: P50, P95, P99 (the server's p95_us); every reviews span lasts 11 ms.
    const heads = await page.$$eval('[data-testid="apm-services-table"] thead th', (ths) => ths.map((th) => th.textContent?.trim()));
    expect(heads).toEqual(expect.arrayContaining(['P50', 'P95', 'P99']));
    expect(heads).not.toContain('P90');
    const p95col = heads.indexOf('P95');
    const reviewsRow = page.locator('[data-testid="apm-services-table"] tbody tr:has([data-testid="apm-service-link"]:text-is("reviews"))');
    expect(await reviewsRow.locator('td').nth(p95col).textContent()).toBe('11 ms');
    await page.waitForSelector('[data-testid="apm-services-table"] svg.apm-spark polyline');
    await screenshot(page, 'apm-services');
    await page.click('[data-testid="apm-services-table"] tbody tr:has-text("reviews") td:nth-child(3)');
    await page.waitForFunction(() => location.hash.startsWith('#/apm/services/reviews'));
  });

  it('shows a service with its versions, resources and traces', async () => {
    const { page } = b;
    await page.waitForSelector('[data-testid="apm-stat-requests"]');
    expect(await page.textContent('[data-testid="apm-stat-requests"] .stat-value')).toBe(String(BOOK));
    expect(await page.textContent('[data-testid="apm-stat-p95"] .stat-value')).toBe('11 ms');
    const versions = await page.$$eval('[data-testid="apm-versions"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)));
    expect(versions).toEqual(expect.arrayContaining([['prod', 'v1', String(BOOK - CANARY)], ['canary', 'v2', String(CANARY)]]));
    await page.waitForSelector('[data-testid="apm-resources"] tbody tr:has-text("get /reviews")');
    await page.waitForSelector('[data-testid="apm-recent-traces"] tbody tr');
    await page.waitForSelector('[data-testid="apm-chart-requests"] canvas');
    await page.waitForTimeout(300);
    await screenshot(page, 'apm-service');
  });

  it('draws the map and splits the canary version into its own node', async () => {
    const { page } = b;
    await openRoute(page, sx, '/apm/map');
    await page.waitForSelector('[data-testid="apm-map-chart"] canvas');
    const nodes = async () => page.$$eval('[data-testid="apm-map-node"]', (els) => els.map((e) => e.getAttribute('data-node')));
    const edges = async () => page.$$eval('[data-testid="apm-edges-table"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent).join(' ')));
    expect(await nodes()).toEqual(expect.arrayContaining(['productpage', 'reviews', 'details', 'ratings']));
    expect(await nodes()).not.toContain('reviews@v2');
    expect(await edges()).toEqual(expect.arrayContaining([
      `productpage details ${BOOK}`, `productpage reviews ${BOOK}`, `reviews ratings ${CANARY}`,
    ]));
    await screenshot(page, 'apm-map');
    // The server splits by the picked dimension (node ids "service::version").
    const asked = page.waitForRequest((r) => r.url().includes('/v1/apm/service_map') && r.url().includes('split=version'));
    await page.click('[data-testid="apm-split-version"]');
    await asked;
    await page.waitForFunction(() => location.hash.includes('split=version'));
    await page.waitForSelector('[data-testid="apm-map-node"][data-node="reviews@v2"]');
    expect(await nodes()).toEqual(expect.arrayContaining(['reviews@v1', 'reviews@v2', 'productpage@v1', 'ratings@v1']));
    expect(await edges()).toEqual(expect.arrayContaining([
      `productpage@v1 reviews@v1 ${BOOK - CANARY}`, `productpage@v1 reviews@v2 ${CANARY}`, `reviews@v2 ratings@v1 ${CANARY}`,
    ]));
    expect(await edges()).not.toContain(`reviews@v1 ratings@v1 ${CANARY}`);
    // Edge labels on the chart carry calls · error % · p99 (the table shows the same numbers).
    const details = page.locator('[data-testid="apm-edges-table"] tbody tr', { hasText: 'details@v1' });
    expect(await details.textContent()).toContain('10%');
    await page.waitForTimeout(300);
    await screenshot(page, 'apm-map-version');
    expect(await page.textContent('[data-testid="apm-map"]')).not.toContain('≤');
    await page.click('[data-testid="apm-split-env"]');
    await page.waitForSelector('[data-testid="apm-map-node"][data-node="reviews@canary"]');
    expect(await nodes()).toEqual(expect.arrayContaining(['reviews@prod', 'reviews@canary', 'productpage@prod', 'ratings@prod']));
    expect(await edges()).toEqual(expect.arrayContaining([
      `productpage@prod reviews@prod ${BOOK - CANARY}`, `productpage@prod reviews@canary ${CANARY}`, `reviews@canary ratings@prod ${CANARY}`,
    ]));
    await page.click('[data-testid="apm-split-env-version"]');
    await page.waitForSelector('[data-testid="apm-map-node"][data-node="reviews@canary/v2"]');
    await page.click('[data-testid="apm-split-none"]');
    await page.waitForFunction(() => !location.hash.includes('split='));
    await page.waitForSelector('[data-testid="apm-map-node"][data-node="reviews"]');
  });

  it('finds the seeded traces with the filters', async () => {
    const { page } = b;
    await openRoute(page, sx, '/apm/traces');
    await page.waitForSelector('[data-testid="apm-traces-table"]');
    const ids = async () => page.$$eval('[data-testid="apm-trace-id"]', (els) => els.map((e) => e.textContent));
    expect(await ids()).toEqual(expect.arrayContaining([ZK_TRACE, OTEL_TRACE, canaryTrace(0), canaryTrace(BOOK - 1)]));
    await screenshot(page, 'apm-traces');
    // Status error: the fixture traces (error tags) and the Bookinfo trace whose details failed.
    await page.selectOption('[data-testid="apm-filter-status"]', 'error');
    await page.waitForFunction(() => location.hash.includes('status=error'));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="apm-trace-id"]').length === n, 3);
    expect((await ids()).sort()).toEqual([ZK_TRACE, OTEL_TRACE, canaryTrace(0)].sort());
    // Service + min duration: zk-frontend spans of ≥ 50 ms (only the fixture trace, 55.1 ms).
    await page.selectOption('[data-testid="apm-filter-status"]', '');
    await page.selectOption('[data-testid="apm-filter-service"]', 'zk-frontend');
    await page.fill('[data-testid="apm-filter-min"]', '50ms');
    await page.click('[data-testid="apm-filter-apply"]');
    await page.waitForFunction(() => location.hash.includes('min=50ms'));
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="apm-trace-id"]').length === 1);
    expect(await ids()).toEqual([ZK_TRACE]);
    await page.click(`[data-testid="apm-traces-table"] tbody tr:has-text("${ZK_TRACE}")`);
    await page.waitForFunction((id) => location.hash.startsWith(`#/apm/traces/${id}`), ZK_TRACE);
  });

  it('opens a trace: flame graph with every span, attributes of the clicked span, logs and host links', async () => {
    const { page } = b;
    await page.waitForSelector('[data-testid="apm-flamegraph"] canvas');
    expect(await page.getAttribute('[data-testid="apm-flamegraph"]', 'data-span-count')).toBe('3');
    expect(await page.textContent('[data-testid="apm-trace-span-count"]')).toBe('3');
    expect(await page.textContent('[data-testid="apm-trace-root-service"]')).toBe('zk-frontend');
    expect(await page.textContent('[data-testid="apm-trace-root-resource"]')).toBe('get /checkout');
    expect(await page.textContent('[data-testid="apm-trace-duration"] .stat-value')).toBe('55.1 ms');
    const logs = await page.getAttribute('[data-testid="apm-trace-logs"]', 'href');
    expect(decodeURIComponent(logs!)).toBe(`#/logs?q=trace_id:${ZK_TRACE}`);
    expect(await page.getAttribute('[data-testid="apm-trace-host"]', 'href')).toBe(`#/infra/hosts/${hostname()}`);
    // Root selected first.
    expect(await page.textContent('[data-testid="apm-span-resource"]')).toBe('get /checkout');
    // Click the second row of the flame graph (the CLIENT span "post /api/pay" spans almost the
    // whole trace there): its attributes and error show.
    const box = (await page.locator('[data-testid="apm-flame-chart"]').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + 8 + 24 * 1.5);
    await page.waitForFunction(() => document.querySelector('[data-testid="apm-span-resource"]')?.textContent === 'post /api/pay');
    expect(await page.textContent('[data-testid="apm-span-error"]')).toContain('payment backend returned 500');
    expect(await page.textContent('[data-testid="apm-span-tags"]')).toContain('http://127.0.0.1:9999/api/pay');
    await screenshot(page, 'apm-trace-flame');
    // Waterfall: one row per span, by start; clicking selects.
    await page.click('[data-testid="apm-view-waterfall"]');
    const wf = await page.$$eval('[data-testid="apm-wf-row"]', (els) => els.map((e) => e.getAttribute('data-span-id')));
    expect(wf).toEqual(['7fbe5cea58b3732b', '3693d9c1e357f53e', 'c608f622ccf7ed3b']);
    await page.click('[data-testid="apm-wf-row"][data-span-id="c608f622ccf7ed3b"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="apm-span-resource"]')?.textContent === 'compute-total');
    await screenshot(page, 'apm-trace-waterfall');
    await page.click('[data-testid="apm-view-list"]');
    expect(await page.locator('[data-testid="apm-span-list"] tbody tr').count()).toBe(3);
  });

  it('opens a canary trace with its seeded span count', async () => {
    const { page } = b;
    await openRoute(page, sx, `/apm/traces/${canaryTrace(BOOK - 1)}`);
    // The previous test's trace stays on screen until this one has loaded: wait for its spans
    // (a timeout fails the test when the count never becomes 7).
    await page.waitForSelector('[data-testid="apm-flamegraph"][data-span-count="7"] canvas');
    expect(await page.getAttribute('[data-testid="apm-flamegraph"]', 'data-span-count')).toBe('7');
    await page.click('[data-testid="apm-view-waterfall"]');
    const rows = await page.$$eval('[data-testid="apm-wf-row"] .apm-wf-name', (els) => els.map((e) => e.textContent?.trim()));
    expect(rows[rows.length - 1]).toBe('ratings get /ratings');
    await page.click('[data-testid="apm-view-flame"]');
    await page.waitForTimeout(300);
    await screenshot(page, 'apm-trace-canary');
  });

  it('shows the server message for an unknown trace', async () => {
    const { page } = b;
    await openRoute(page, sx, '/apm/traces/0123456789abcdef');
    const alert = await page.waitForSelector('[role="alert"]');
    expect(await alert.textContent()).toMatch(/sextant.notFound/);
  });

  it('has no console errors but the expected 404', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 404/])).toEqual([]);
  });
});
