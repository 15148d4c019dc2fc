// The RUM area against the real server: the Guance browser SDK captures in
// /work/shared/fixtures/rum (line protocol, page-exit beacon, JSON and deflate bodies, a replay
// segment), re-stamped to now and posted to the agent's /v1/write/rum as the SDK posts them,
// plus view variants for more pages, users and sessions. Every expected number is computed from
// the seed's points (src/pages/rum/seed.ts: the definitions of docs/api/rum.md), not read back
// from the UI.
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors, SHARED,
         type BrowserSession, type Sextant } from './harness';
import { expectedOverview, expectedPerformance, expectedSessions, parseJsonPoints, parseLineProtocol,
         restampLineProtocol, variantLine, type LpPoint } from '../src/pages/rum/seed';
import { formatVital, rate, VITALS } from '../src/pages/rum/vitals';
import { formatPercent } from '../src/lib/format';

const FIX = `${SHARED}/fixtures/rum`;
const SESSION_A = '068d0475-e85c-4c85-b14c-dfa2973dde53'; // lineproto batch + page exit + replay
const SESSION_B = '6c6e4556-9cce-4e60-a253-646ad00cfed8'; // JSON batch
const SESSION_C = '7d28b67f-44af-4971-8215-4d837979b99f'; // deflate batch
const SDK_HEADERS = {
  'Content-Type': 'text/plain;charset=UTF-8',
  Origin: 'http://127.0.0.1:18080',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
};
const RANGE = 'from=now-1h&to=now';

let sx: Sextant;
let b: BrowserSession;
const seeded: LpPoint[] = [];

// View variants: [session, userid, view_id, page, browser, os, country, minutes ago,
// LCP ms, FCP ms, CLS, INP ms, loading ms].
const VARIANTS: [string, string, string, string, string, string, string, number, number, number, number, number, number][] = [
  ['var-s1', 'v-1', 'vv-1', '/cart', 'Firefox', 'Windows', 'DE', 10, 1200, 900, 0.05, 150, 1500],
  ['var-s1', 'v-1', 'vv-1', '/cart', 'Firefox', 'Windows', 'DE', 10, 1000, 800, 0.01, 100, 1400], // older report
  ['var-s1', 'v-1', 'vv-2', '/checkout', 'Firefox', 'Windows', 'DE', 9, 5000, 3500, 0.3, 600, 6000],
  ['var-s2', 'v-2', 'vv-3', '/cart', 'Chrome', 'Linux', 'FR', 8, 2600, 2000, 0.2, 300, 3000],
  ['var-s2', 'v-2', 'vv-4', '/cart', 'Chrome', 'Linux', 'FR', 7, 4500, 3200, 0.3, 550, 5000],
  ['var-s3', 'v-1', 'vv-5', '/checkout', 'Firefox', 'Windows', 'DE', 6, 6000, 1000, 0.01, 100, 2000],
];

function errorLine(n: number, minutesAgo: number): string {
  return `error,app_id=shop,env=prod,version=2.0.0,service=shop-web,source=browser,userid=v-2,` +
    `session_id=var-s2,browser=Chrome,os=Linux,country=FR,view_id=vv-3,view_path=/cart,view_path_group=/cart,` +
    `error_source=network,error_type=FetchError error_message="Request ${n} failed",` +
    `error_stack="FetchError: Request ${n} failed\n  at loadCart @ http://shop.example/cart.js:10:5" ` +
    `${Date.now() - minutesAgo * 60_000}`;
}

async function postRum(body: string | Uint8Array, query = 'precision=ms', headers: Record<string, string> = SDK_HEADERS) {
  const r = await sx.postAgent(`/v1/write/rum?${query}`, body, headers);
  if (!r.ok) throw new Error(`agent /v1/write/rum: ${r.status} ${await r.text()}`);
}

async function seed() {
  const now = Date.now();
  // Session A: the batch and the page-exit beacon, one shift for both (same session).
  const batch1 = readFileSync(`${FIX}/guance-rum_lineproto_batch1.txt`, 'utf8');
  const pageexit = readFileSync(`${FIX}/guance-rum_lineproto_pageexit.txt`, 'utf8');
  const both = restampLineProtocol(`${batch1}\n${pageexit}`, now - 4 * 60_000);
  const shiftA = both.shift;
  const shifted = (t: string) => t.replace(/ (\d{13})(?=\n|$)/g, (_, x) => ` ${Number(x) + shiftA}`);
  for (const body of [shifted(batch1), shifted(pageexit)]) {
    await postRum(body);
    seeded.push(...parseLineProtocol(body));
  }
  // Session B: the JSON body.
  const json = parseJsonPoints(readFileSync(`${FIX}/guance-rum_json_batch1.json`, 'utf8'));
  const shiftB = now - 3 * 60_000 - Math.max(...json.map((p) => p.time));
  for (const p of json) p.time += shiftB;
  await postRum(JSON.stringify(json), 'precision=ms', { ...SDK_HEADERS, 'Content-Type': 'application/json;UTF-8' });
  seeded.push(...json);
  // Session C: the deflate body (re-compressed after re-stamping).
  const dec = restampLineProtocol(readFileSync(`${FIX}/guance-rum_deflate_batch1.decoded.txt`, 'utf8'), now - 2 * 60_000);
  await postRum(deflateSync(Buffer.from(dec.body)), 'precision=ms&encoding=deflate',
                { ...SDK_HEADERS, 'Content-Type': 'text/plain' });
  seeded.push(...parseLineProtocol(dec.body));
  // Variants of the final view report, under another app.
  const view = pageexit.trim().split('\n').filter((l) => l.startsWith('view,')).pop()!;
  const lines = VARIANTS.map(([session_id, userid, view_id, page, browser, os, country, ago, lcp, fcp, cls, inp, load]) =>
    variantLine(view, {
      app_id: 'shop', env: 'prod', version: '2.0.0', service: 'shop-web', session_id, userid, view_id,
      view_path: page, view_path_group: page, view_name: page, view_url: `http://shop.example${page}`,
      browser, os, country,
    }, {
      largest_contentful_paint: lcp * 1e6, first_contentful_paint: fcp * 1e6, cumulative_layout_shift: cls,
      interaction_to_next_paint: inp * 1e6, loading_time: load * 1e6,
    }, now - ago * 60_000));
  lines.push(errorLine(12345, 8), errorLine(67890, 7));
  const body = lines.join('\n');
  await postRum(body);
  seeded.push(...parseLineProtocol(body));
  // The replay segment of session A.
  const replay = JSON.parse(readFileSync(`${FIX}/guance-rum_replay_segment.request.json`, 'utf8'));
  const ct = replay.headers.find((h: string[]) => h[0].toLowerCase() === 'content-type')[1];
  const r = await sx.postAgent('/v1/write/rum/replay?precision=ms', readFileSync(`${FIX}/guance-rum_replay_segment.multipart`),
                               { 'Content-Type': ct, Origin: SDK_HEADERS.Origin });
  if (!r.ok) throw new Error(`replay: ${r.status} ${await r.text()}`);
}

async function waitFor(check: () => Promise<boolean>, what: string) {
  const until = Date.now() + 40_000;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  sx = await startSextant({ conf: { 'rum.conf': '[[inputs.rum]]\n' } });
  await seed();
  const exp = expectedOverview(seeded);
  const start = Date.now() - 3_600_000;
  await waitFor(async () => {
    const o = await sx.api(`/v1/rum/overview?start=${start}`);
    return o.pv === exp.pv && o.errors === exp.errors && o.sessions === exp.sessions;
  }, 'the seed to reach the server');
  await waitFor(async () => {
    const r = await fetch(`${sx.serverUrl}/v1/rum/replay/${SESSION_A}?token=${sx.token}`);
    return r.ok && (await r.json()).segments?.length > 0;
  }, 'the replay segment');
  b = await openBrowser();
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

describe('rum area', () => {
  it('overview shows PV, UV, sessions and error rate as the seed implies', async () => {
    const exp = expectedOverview(seeded);
    // The seed: 1 + 1 + 5 views (A, B, variants), sessions A, B, C, var-s1..3.
    expect(exp.pv).toBe(7);
    expect(exp.sessions).toBe(6);
    const { page } = b;
    await openRoute(page, sx, `/rum?${RANGE}`);
    await page.waitForSelector('[data-testid="rum-stat-pv"]');
    const stat = async (id: string) => (await page.textContent(`[data-testid="rum-stat-${id}"] .stat-value`))?.trim();
    expect(await stat('pv')).toBe(String(exp.pv));
    expect(await stat('uv')).toBe(String(exp.uv));
    expect(await stat('sessions')).toBe(String(exp.sessions));
    expect(await stat('errors')).toBe(String(exp.errors));
    expect(await stat('error-rate')).toBe(formatPercent(exp.error_sessions / exp.sessions));
    // Browsers: distinct views per browser.
    const firefox = new Set(seeded.filter((p) => p.measurement === 'view' && p.tags.browser === 'Firefox')
      .map((p) => p.tags.view_id)).size;
    await page.waitForSelector('[data-testid="rum-browsers"] li');
    const browsers = await page.$$eval('[data-testid="rum-browsers"] li', (els) => els.map((e) => e.textContent));
    expect(browsers.find((t) => t?.startsWith('Firefox'))).toContain(`${firefox} ·`);
    expect(await page.textContent('[data-testid="rum-countries"]')).toContain('DE');
    expect(await page.textContent('[data-testid="rum-top-pages"]')).toContain('/checkout');
    expect(await page.textContent('[data-testid="rum-failing-resources"]')).toContain('/missing.png');
    await page.waitForSelector('[data-testid="rum-traffic-chart"] canvas');
    await screenshot(page, 'rum-overview');

    // The app picker narrows to one app.
    await page.waitForSelector('[data-testid="rum-app"] option[value="shop"]', { state: 'attached' });
    await page.selectOption('[data-testid="rum-app"]', 'shop');
    await page.waitForFunction(() => location.hash.includes('app_id=shop'));
    const shop = expectedOverview(seeded.filter((p) => p.tags.app_id === 'shop'));
    await page.waitForFunction((pv) =>
      document.querySelector('[data-testid="rum-stat-pv"] .stat-value')?.textContent === String(pv), shop.pv);
    expect(await stat('uv')).toBe(String(shop.uv));
    expect(await stat('sessions')).toBe(String(shop.sessions));
  });

  it('performance shows each page with its p75 vitals and ratings', async () => {
    const exp = expectedPerformance(seeded);
    expect([...exp.keys()].sort()).toEqual(['/cart', '/checkout', '/index.html']);
    const { page } = b;
    await openRoute(page, sx, `/rum/performance?${RANGE}`);
    await page.waitForSelector('[data-testid="rum-perf-table"] tbody tr');
    const rows = await page.$$eval('[data-testid="rum-perf-table"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => ({
        text: td.textContent?.trim() ?? '',
        rating: td.querySelector('[data-rating]')?.getAttribute('data-rating') ?? '',
      }))));
    expect(rows).toHaveLength(exp.size);
    for (const [pageName, e] of exp) {
      const row = rows.find((r) => r[0].text === pageName);
      expect(row, pageName).toBeDefined();
      expect(row![1].text).toBe(String(e.views));
      VITALS.forEach((v, i) => {
        const want = e[v.key as keyof typeof e] as number | null;
        expect(row![2 + i].text, `${pageName} ${v.short}`).toBe(formatVital(v.key, want));
        expect(row![2 + i].rating, `${pageName} ${v.short} rating`).toBe(rate(v.key, want) ?? '');
      });
    }
    // The /cart p75 LCP of 2.6 s / 4.5 s / 1.2 s is 4.5 s: poor; /index.html's 320 ms: good.
    expect(formatVital('largest_contentful_paint_ms', exp.get('/cart')!.largest_contentful_paint_ms)).toBe('4.5 s');
    await screenshot(page, 'rum-performance');
    // Another percentile from the URL.
    await page.click('[data-testid="rum-pct-p50"]');
    await page.waitForFunction(() => location.hash.includes('pct=p50'));
    const p50 = expectedPerformance(seeded, 0.5).get('/cart')!;
    const cart = await page.$$eval('[data-testid="rum-perf-table"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())).find((r) => r[0] === '/cart'));
    expect(cart![2]).toBe(formatVital('largest_contentful_paint_ms', p50.largest_contentful_paint_ms));
  });

  it('resources list the seeded resources with their errors', async () => {
    const { page } = b;
    await openRoute(page, sx, `/rum/resources?${RANGE}&sort=errors`);
    await page.waitForSelector('[data-testid="rum-resources-table"] tbody tr');
    const rows = await page.$$eval('[data-testid="rum-resources-table"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    const res = seeded.filter((p) => p.measurement === 'resource');
    const missing = res.filter((p) => p.fields.resource_url_path_group === '/missing.png');
    const missingRow = rows.find((r) => r[0] === '/missing.png')!;
    expect(missingRow[3]).toBe(String(missing.length));
    expect(missingRow[4]).toBe(String(missing.filter((p) => Number(p.tags.resource_status) >= 400).length));
    const groups = new Set(res.map((p) => `${p.fields.resource_url_path_group}|${p.fields.resource_type}`));
    expect(rows).toHaveLength(groups.size);
    // Sorted by errors: the failing ones first.
    expect(Number(rows[0][4])).toBeGreaterThan(0);
    await screenshot(page, 'rum-resources');
  });

  it('errors are grouped with counts and a stack', async () => {
    const { page } = b;
    await openRoute(page, sx, `/rum/errors?${RANGE}`);
    await page.waitForSelector('[data-testid="rum-error-row"]');
    const titles = await page.$$eval('[data-testid="rum-error-row"]', (trs) => trs.map((tr) => tr.textContent ?? ''));
    // "Request 12345 failed" and "Request 67890 failed" are one group of 2.
    const fetchRow = titles.find((t) => t.includes('FetchError: Request ? failed'));
    expect(fetchRow).toBeDefined();
    const n = seeded.filter((p) => p.measurement === 'error' && p.tags.error_type === 'FetchError').length;
    expect(n).toBe(2);
    const row = page.locator('[data-testid="rum-error-row"]', { hasText: 'FetchError: Request ? failed' });
    expect((await row.locator('td').nth(2).textContent())?.trim()).toBe(String(n));
    await row.click();
    const stack = await page.waitForSelector('[data-testid="rum-error-stack"]');
    expect(await stack.textContent()).toContain('at loadCart @ http://shop.example/cart.js:10:5');
    await screenshot(page, 'rum-errors');
  });

  it('session list contains the seeded sessions, a session shows its timeline', async () => {
    const exp = expectedSessions(seeded);
    const { page } = b;
    await openRoute(page, sx, `/rum/sessions?${RANGE}`);
    await page.waitForSelector('[data-testid="rum-sessions-table"] tbody tr');
    const ids = await page.$$eval('[data-testid="rum-sessions-table"] tbody tr td:nth-child(2) span',
                                  (els) => els.map((e) => e.getAttribute('title')));
    expect(ids.sort()).toEqual([...exp.keys()].sort());
    for (const id of [SESSION_A, SESSION_B, SESSION_C]) expect(ids).toContain(id);
    await screenshot(page, 'rum-sessions');
    // Sessions with errors only.
    await page.selectOption('[data-testid="rum-has-error"]', 'true');
    await page.waitForFunction(() => location.hash.includes('has_error=true'));
    const withErrors = [...exp.entries()].filter(([, c]) => c.error > 0).map(([id]) => id).sort();
    await page.waitForFunction((n) =>
      document.querySelectorAll('[data-testid="rum-sessions-table"] tbody tr').length === n, withErrors.length);

    await page.click(`[data-testid="rum-sessions-table"] span[title="${SESSION_A}"]`);
    await page.waitForFunction((id) => location.hash.startsWith(`#/rum/sessions/${id}`), SESSION_A);
    await page.waitForSelector('[data-testid="rum-timeline"] [data-testid="rum-tl-view"]');
    const count = (t: string) => page.locator(`[data-testid="rum-timeline"] [data-testid="rum-tl-${t}"]`).count();
    const c = exp.get(SESSION_A)!;
    expect(await count('view')).toBe(c.view);
    expect(await count('action')).toBe(c.action);
    expect(await count('resource')).toBe(c.resource);
    expect(await count('error')).toBe(c.error);
    expect(await count('long_task')).toBe(c.long_task);
    const labels = await page.$$eval('[data-testid="rum-timeline"] [data-label]', (els) => els.map((e) => e.getAttribute('data-label')));
    expect(labels).toContain('Buy now');
    expect(labels).toContain('TypeError: rc test uncaught error');
    expect(labels).toContain('GET http://127.0.0.1:18080/missing.png');
    expect((await page.textContent('[data-testid="rum-session-errors"] .stat-value'))?.trim()).toBe(String(c.error));
    // The replay segments load after the session (the seed has one).
    await page.waitForFunction(() => !document.querySelector('[data-testid="rum-replay"]')?.textContent?.includes('…'));
    expect(await page.textContent('[data-testid="rum-replay"]')).toContain('1 segment,');
    // A row opens its details.
    await page.click('[data-testid="rum-tl-view"]');
    expect(await page.textContent('[data-testid="rum-event-detail"]')).toContain('Largest Contentful Paint');
    await screenshot(page, 'rum-session');
    // Hiding resources keeps the rest.
    await page.click('[data-testid="rum-count-resource"]');
    await page.waitForFunction(() => location.hash.includes('hide=resource'));
    expect(await count('resource')).toBe(0);
    expect(await count('error')).toBe(c.error);
  });

  it('asks for the replay of every session: one without shows none (no 404, no DQL pre-check)', async () => {
    const { page } = b;
    const asked: string[] = [];
    const onReq = (r: { url(): string }) => { asked.push(r.url()); };
    page.on('request', onReq);
    try {
      await openRoute(page, sx, `/rum/sessions/${SESSION_B}?${RANGE}`);
      await page.waitForSelector('[data-testid="rum-timeline"] [data-testid="rum-tl-view"]');
      await page.waitForFunction(() => !document.querySelector('[data-testid="rum-replay"]')?.textContent?.includes('…'));
      expect(await page.textContent('[data-testid="rum-replay"]')).toContain('No replay recorded');
    } finally {
      page.off('request', onReq);
    }
    expect(asked.some((u) => u.includes(`/v1/rum/replay/${SESSION_B}`))).toBe(true);
    expect(asked.some((u) => u.includes('/v1/query/raw'))).toBe(false);
    const r = await fetch(`${sx.serverUrl}/v1/rum/replay/${SESSION_B}?token=${sx.token}`);
    expect(r.status).toBe(200);
    expect((await r.json()).segments).toEqual([]);
  });

  it('gets each resource status once, as a number', async () => {
    const r = await fetch(`${sx.serverUrl}/v1/rum/sessions/${SESSION_A}?token=${sx.token}`);
    const text = await r.text();
    const events = JSON.parse(text).events as { type: string; resource_status?: unknown }[];
    const resources = events.filter((e) => e.type === 'resource');
    const seededStatus = seeded.filter((p) => p.measurement === 'resource' && p.tags.session_id === SESSION_A)
      .map((p) => Number(p.tags.resource_status ?? p.fields.resource_status)).sort();
    expect(resources.map((e) => e.resource_status).sort()).toEqual(seededStatus);
    expect(text.match(/"resource_status":/g)?.length ?? 0).toBe(resources.length);
  });

  it('shows the empty state with the agent setup when there is no data', async () => {
    const { page } = b;
    await openRoute(page, sx, '/rum?app_id=no-such-app');
    const empty = await page.waitForSelector('[data-testid="empty-state"]');
    expect(await empty.textContent()).toContain('/v1/write/rum');
    await screenshot(page, 'rum-empty');
  });

  it('shows the server message for a malformed session id', async () => {
    const { page } = b;
    await openRoute(page, sx, '/rum/sessions/abc%231');
    const alert = await page.waitForSelector('[role="alert"]');
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('sextant.badRequest');
    // The server's own message, as the API gives it.
    const r = await fetch(`${sx.serverUrl}/v1/rum/sessions/abc%231?token=${sx.token}`);
    expect(r.status).toBe(400);
    expect(text).toContain((await r.json()).message);
  });

  it('has no console errors but the provoked 400', () => {
    // (The session page's replay player shows the recorded page, whose <img> of
    // http://127.0.0.1:18080/missing.png cannot load here.)
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 400/, /Failed to load resource: net::ERR_CONNECTION_REFUSED/])).toEqual([]);
  });
});
