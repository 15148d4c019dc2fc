// Real-browser RUM ingestion. This test exercises the AGENT'S BROWSER-FACING HTTP BEHAVIOUR with
// real Chromium, NOT the Guance browser SDK itself (@cloudcare/browser-rum is not available from
// the registry here). A small web app is served from a node http server on its own port (a
// different origin than the agent); its script sends RUM batches the way the SDK's transport
// does (reference/datakit-inputs.md §4.2 and the captures' .request.json): POST
// <agent>/v1/write/rum?precision=ms with a line-protocol string body (the browser sends
// Content-Type text/plain;charset=UTF-8) through fetch(keepalive, mode cors); the JSON mode
// body (Content-Type application/json, which needs a CORS preflight) through XHR; and
// navigator.sendBeacon on page exit. We check that the preflight and the real requests are
// accepted (no console errors), that the agent tags the points with the browser's IP (peer
// address; geo "unknown" without an IPDB) and keeps the UA-derived browser/os tags the page
// sends (the agent does not parse the User-Agent), that the data shows in /v1/rum/overview, and
// that the RUM pages show the session.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';
import { expectedOverview, expectedPerformance, type LpPoint } from '../src/pages/rum/seed';
import { formatVital } from '../src/pages/rum/vitals';

const APP = 'browser_e2e_app';

// The web app's RUM "SDK": line protocol like the SDK's, the batch transports of its
// httpRequest.js. Each body sent is kept in window.__rum.sent for the test.
function rumScript(agent: string, page: string): string {
  return `
(function () {
  var AGENT = ${JSON.stringify(agent)};
  var URL_ = AGENT + '/v1/write/rum?precision=ms';
  var rum = window.__rum = { sent: [], results: [] };
  function esc(v) { return String(v).replace(/[,= \\\\]/g, function (c) { return '\\\\' + c; }); }
  function fieldValue(v) {
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return '"' + String(v).replace(/[\\\\"]/g, function (c) { return '\\\\' + c; }) + '"';
  }
  function line(m, tags, fields, t) {
    var tg = Object.keys(tags).filter(function (k) { return tags[k] !== '' && tags[k] !== undefined; })
      .map(function (k) { return esc(k) + '=' + esc(tags[k]); }).join(',');
    var fs = Object.keys(fields).filter(function (k) { return fields[k] !== undefined; })
      .map(function (k) { return esc(k) + '=' + fieldValue(fields[k]); }).join(',');
    return m + ',' + tg + ' ' + fs + ' ' + t;
  }
  // The SDK's user agent parse (browser, os from navigator.userAgent).
  var ua = navigator.userAgent;
  var m = /(?:HeadlessChrome|Chrome)\\/(\\d+)([\\d.]*)/.exec(ua);
  var browser = m ? 'Chrome' : 'Other';
  var browserVersion = m ? m[1] + m[2] : '';
  var os = /Linux/.test(ua) ? 'Linux' : /Windows/.test(ua) ? 'Windows' : /Mac OS/.test(ua) ? 'Mac OS' : 'Other';
  function uuid() { return crypto.randomUUID(); }
  var sessionId = localStorage.getItem('rum_session') || uuid();
  localStorage.setItem('rum_session', sessionId);
  var userId = localStorage.getItem('rum_user') || uuid();
  localStorage.setItem('rum_user', userId);
  var viewId = uuid();
  var start = Date.now();
  var common = {
    sdk_name: 'df_web_rum_sdk', sdk_version: 'e2e', app_id: ${JSON.stringify(APP)}, env: 'e2e', version: '1.0.0',
    service: 'browser-e2e', source: 'browser', userid: userId, session_id: sessionId, session_type: 'user',
    is_signin: 'F', os: os, browser: browser, browser_version: browserVersion,
    browser_version_major: browserVersion.split('.')[0], screen_size: screen.width + '*' + screen.height,
    device: 'PC', view_id: viewId, view_url: location.href, view_host: location.host,
    view_path: location.pathname, view_name: location.pathname, view_path_group: ${JSON.stringify(page)},
  };
  rum.sessionId = sessionId; rum.viewId = viewId; rum.userId = userId; rum.browser = browser;
  rum.browserVersion = browserVersion; rum.os = os;
  function tags(extra) { var t = {}; for (var k in common) t[k] = common[k]; for (var j in extra) t[j] = extra[j]; return t; }
  function ns(ms) { return Math.round(ms * 1e6); }
  function viewLine(final) {
    var nav = performance.getEntriesByType('navigation')[0] || {};
    var fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return line('view', tags({ view_loading_type: 'initial_load' }), {
      loading_time: nav.loadEventEnd ? ns(nav.loadEventEnd) : undefined,
      first_contentful_paint: fcp ? ns(fcp.startTime) : undefined,
      largest_contentful_paint: rum.lcp !== undefined ? ns(rum.lcp) : (fcp ? ns(fcp.startTime) : undefined),
      cumulative_layout_shift: 0,
      dom_interactive: nav.domInteractive ? ns(nav.domInteractive) : undefined,
      time_spent: ns(Date.now() - start),
      view_error_count: rum.errors || 0,
      is_active: !final,
    }, start);
  }
  function record(transport, contentType, body) { rum.sent.push({ transport: transport, contentType: contentType, body: body }); }
  // fetch(keepalive, cors), string body: text/plain;charset=UTF-8, no preflight.
  rum.sendFetch = function (lines) {
    var body = lines.join('\\n');
    record('fetch', 'text/plain;charset=UTF-8', body);
    return fetch(URL_, { method: 'POST', body: body, keepalive: true, mode: 'cors', credentials: 'omit' })
      .then(function (r) { return r.text().then(function () { rum.results.push({ transport: 'fetch', status: r.status }); return r.status; }); });
  };
  // XHR with the JSON mode's Content-Type: a non-simple request, preflighted.
  rum.sendXhrJson = function (points) {
    var body = JSON.stringify(points);
    record('xhr', 'application/json;UTF-8', body);
    return new Promise(function (ok, fail) {
      var x = new XMLHttpRequest();
      x.open('POST', URL_, true);
      x.setRequestHeader('Content-Type', 'application/json;UTF-8');
      x.onload = function () { rum.results.push({ transport: 'xhr', status: x.status }); ok(x.status); };
      x.onerror = function () { fail(new Error('xhr failed')); };
      x.send(body);
    });
  };
  // Page exit: the final view report by beacon.
  addEventListener('pagehide', function () {
    var body = viewLine(true);
    record('beacon', 'text/plain;charset=UTF-8', body);
    localStorage.setItem('rum_beacons', String(Number(localStorage.getItem('rum_beacons') || 0) + (navigator.sendBeacon(URL_, body) ? 1 : 0)));
  });
  try {
    new PerformanceObserver(function (l) { var e = l.getEntries(); rum.lcp = e[e.length - 1].startTime; })
      .observe({ type: 'largest-contentful-paint', buffered: true });
  } catch (e) {}
  rum.viewLine = viewLine; rum.line = line; rum.tags = tags; rum.ns = ns; rum.start = start;
  rum.pointsOf = function (m, extraTags, fields, t) {
    return { measurement: m, tags: tags(extraTags), fields: fields, time: t };
  };
})();`;
}

const PAGE_HTML = (agent: string, page: string, title: string, next: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script>${rumScript(agent, page)}</script></head>
<body><h1>${title}</h1><p>A small shop page for the RUM browser test.</p>
<img src="/logo.svg" alt="logo" width="40" height="40">
<button id="buy">Buy now</button> <a id="next" href="${next}">Next page</a>
</body></html>`;

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><circle cx="20" cy="20" r="18" fill="#2563eb"/></svg>';

let sx: Sextant;
let b: BrowserSession;
let web: Server;
let webOrigin = '';
// The browser's requests to the agent as DevTools sees them (beacons and preflights included).
interface AgentRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  type: string; // Fetch, XHR, Ping (beacon), Preflight
  status?: number;
  failed?: string;
}
const requests: AgentRequest[] = [];
let points: LpPoint[] = [];
const bad: string[] = [];
const extra = new Map<string, Record<string, string>>();
let info: { sessionId: string; userId: string; browser: string; browserVersion: string; os: string; ua: string };

beforeAll(async () => {
  sx = await startSextant({ conf: { 'rum.conf': '[[inputs.rum]]\n' } });
  web = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else if (path === '/logo.svg') {
      res.writeHead(200, { 'Content-Type': 'image/svg+xml' });
      res.end(LOGO);
    } else if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE_HTML(sx.agentUrl, '/index.html', 'Shop home', '/cart.html'));
    } else if (path === '/cart.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE_HTML(sx.agentUrl, '/cart.html', 'Shop cart', '/index.html'));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
  // "localhost" vs the agent's 127.0.0.1 and another port: another origin (and site).
  webOrigin = `http://localhost:${(web.address() as AddressInfo).port}`;
  b = await openBrowser();
  b.page.on('response', (r) => { if (r.status() >= 400) bad.push(`${r.status()} ${r.url()}`); });
  // Beacons and preflights are not Playwright requests: watch the DevTools protocol.
  const cdp = await b.page.context().newCDPSession(b.page);
  await cdp.send('Network.enable');
  const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
  cdp.on('Network.requestWillBeSent', (e: any) => {
    if (!String(e.request?.url).startsWith(sx.agentUrl)) return;
    requests.push({ id: e.requestId + (e.type === 'Preflight' ? ':preflight' : ''), method: e.request.method,
                    url: e.request.url, headers: lower(e.request.headers ?? {}), type: e.type });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e: any) => {
    // The headers the network stack really sent (Content-Type of a string body, Origin); this
    // event may come before or after requestWillBeSent.
    extra.set(e.requestId, { ...(extra.get(e.requestId) ?? {}), ...lower(e.headers ?? {}) });
  });
  cdp.on('Network.responseReceived', (e: any) => {
    const r = requests.find((x) => x.id === e.requestId || x.id === `${e.requestId}:preflight`);
    if (r && e.type !== 'Preflight') r.status = e.response.status;
    else if (r) r.status = e.response.status;
  });
  cdp.on('Network.loadingFailed', (e: any) => {
    const r = requests.find((x) => x.id === e.requestId);
    if (r) r.failed = e.errorText + (e.corsErrorStatus ? ` ${JSON.stringify(e.corsErrorStatus)}` : '');
  });
});
afterAll(async () => {
  await b?.close();
  await new Promise((ok) => web?.close(ok));
  await sx?.stop();
});

async function sendFromPage(page: import('playwright-core').Page) {
  await page.waitForFunction(() =>
    ((performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.loadEventEnd ?? 0) > 0);
  return page.evaluate(async () => {
    const rum = (window as any).__rum;
    const t = Date.now();
    // Batch 1 (fetch): the view so far, the logo resource, a click and an error.
    const logo = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/logo.svg')) as PerformanceResourceTiming;
    const lines = [
      rum.viewLine(false),
      rum.line('resource', rum.tags({ resource_status: '200', resource_status_group: '2xx', resource_method: 'GET' }), {
        duration: rum.ns(logo ? logo.duration : 1), resource_size: logo ? logo.decodedBodySize : 0,
        resource_url: logo ? logo.name : location.origin + '/logo.svg', resource_url_host: location.hostname,
        resource_url_path: '/logo.svg', resource_url_path_group: '/logo.svg', resource_type: 'image',
      }, Math.round(performance.timeOrigin + (logo ? logo.startTime : 0))),
      rum.line('action', rum.tags({ action_type: 'click' }), { action_name: 'Buy now', duration: rum.ns(40) }, t),
    ];
    let stack = '';
    try { throw new TypeError(`cart is empty on ${location.pathname}`); } catch (e: any) { stack = e.stack; }
    rum.errors = 1;
    lines.push(rum.line('error', rum.tags({ error_source: 'custom', error_type: 'TypeError', error_handling: 'handled' }),
                        { error_message: `cart is empty on ${location.pathname}`, error_stack: stack }, t + 1));
    const a = await rum.sendFetch(lines);
    // Batch 2 (XHR, JSON mode): a long task.
    const b = await rum.sendXhrJson([rum.pointsOf('long_task', {}, { duration: rum.ns(120) }, t + 2)]);
    return [a, b];
  });
}

describe('real browser → agent /v1/write/rum', () => {
  it('accepts the preflight and the browser requests from another origin', async () => {
    const { page } = b;
    await page.goto(`${webOrigin}/index.html`);
    expect(await sendFromPage(page)).toEqual([200, 200]);
    // Next page (the beacon of the first page on exit), then leave it (its beacon).
    await page.click('#next');
    await page.waitForURL(`${webOrigin}/cart.html`);
    expect(await sendFromPage(page)).toEqual([200, 200]);
    // What the cart page sent (the home page's bodies went with its document).
    const cartSent = await page.evaluate(() => (window as any).__rum.sent);
    info = await page.evaluate(() => {
      const r = (window as any).__rum;
      return { sessionId: r.sessionId, userId: r.userId, browser: r.browser, browserVersion: r.browserVersion,
               os: r.os, ua: navigator.userAgent };
    });
    await page.goto('about:blank');
    // The beacons were queued by pagehide: 2 (home, cart).
    await page.goto(`${webOrigin}/logo.svg`);
    const beacons = await page.evaluate(() => localStorage.getItem('rum_beacons'));
    expect(beacons).toBe('2');

    await new Promise((ok) => setTimeout(ok, 500)); // the last beacon's DevTools events
    for (const r of requests) Object.assign(r.headers, extra.get(r.id.replace(':preflight', '')) ?? {});
    const posts = requests.filter((r) => r.method === 'POST');
    // Two pages × (fetch + XHR), all cross-origin to the agent, all accepted. (The page-exit
    // beacons leave after the document is gone, out of the page's DevTools session: their
    // arrival is checked in the stored points, the final view reports.)
    expect(posts.map((r) => r.type).sort()).toEqual(['Fetch', 'Fetch', 'XHR', 'XHR']);
    for (const r of posts) {
      expect(r.url).toBe(`${sx.agentUrl}/v1/write/rum?precision=ms`);
      expect(r.headers.origin).toBe(webOrigin);
      expect(r.failed, JSON.stringify(r)).toBeUndefined();
    }
    for (const r of posts.filter((x) => x.type !== 'Ping')) expect(r.status, JSON.stringify(r)).toBe(200);
    for (const r of posts.filter((x) => x.type === 'XHR')) expect(r.headers['content-type']).toBe('application/json;UTF-8');
    for (const r of posts.filter((x) => x.type !== 'XHR')) expect(r.headers['content-type']).toBe('text/plain;charset=UTF-8');
    // The JSON XHR was preflighted (once: the answer's Access-Control-Max-Age caches it).
    const pre = requests.filter((r) => r.method === 'OPTIONS');
    expect(pre.length).toBeGreaterThanOrEqual(1);
    expect(pre[0].url).toBe(`${sx.agentUrl}/v1/write/rum?precision=ms`);
    expect(pre[0].headers['access-control-request-method']).toBe('POST');
    expect(pre[0].headers['access-control-request-headers']).toBe('content-type');
    expect(pre[0].failed).toBeUndefined();
    expect(cartSent.map((x: any) => x.transport)).toEqual(['fetch', 'xhr']);
  });

  it('answers the preflight the way browsers need (Allow-Origin echo, headers, max age)', async () => {
    const r = await fetch(`${sx.agentUrl}/v1/write/rum?precision=ms`, {
      method: 'OPTIONS',
      headers: { Origin: webOrigin, 'Access-Control-Request-Method': 'POST',
                 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(webOrigin);
    expect(r.headers.get('access-control-allow-methods')).toContain('POST');
    expect(r.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(Number(r.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('stores the points with the agent tags and the page tags', async () => {
    // Everything the browser sent, as the agent received it (the page kept copies).
    // The home page's copies went away with it: rebuild them from the server instead and
    // check the cart's copies against it.
    const q = async (dql: string) => {
      const now = Date.now();
      const r = await fetch(`${sx.serverUrl}/v1/query/raw`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sx.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ queries: [{ qtype: 'dql', query: { q: dql, time_range: [now - 3_600_000, now + 60_000], limit: 1000 } }] }),
      });
      return (await r.json()).content[0].series as { name: string; columns: string[]; values: unknown[][] }[];
    };
    let rows: Record<string, unknown>[] = [];
    const cols = 'app_id, session_id, view_id, view_path_group, userid, ip, country, province, city, isp, browser, ' +
                 'browser_version, os, provider_type, largest_contentful_paint, first_contentful_paint, loading_time, ' +
                 'cumulative_layout_shift, is_active';
    const until = Date.now() + 40_000;
    while (Date.now() < until) {
      rows = [];
      for (const m of ['view', 'resource', 'action', 'error', 'long_task']) {
        const series = await q(`R::${m}:(${cols}) {app_id='${APP}'}`);
        rows.push(...series.flatMap((s) => s.values.map((v) =>
          ({ ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])), measurement: m }))));
      }
      // 2 pages × (2 view reports + resource + action + error + long task).
      if (rows.length >= 12) break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
    expect(rows.length).toBe(12);
    for (const r of rows) {
      expect(r.ip, JSON.stringify(r)).toBe('127.0.0.1'); // the browser's address (loopback peer)
      expect(r.country).toBe('unknown'); // no IPDB installed
      expect(r.isp).toBe('unknown');
      expect(r.session_id).toBe(info.sessionId);
      expect(r.userid).toBe(info.userId);
      // UA-derived tags are the page's (the agent keeps them).
      expect(r.browser).toBe('Chrome');
      expect(r.os).toBe('Linux');
      expect(String(r.browser_version)).toBe(/Chrome\/([\d.]+)/.exec(info.ua)![1]);
    }
    // Per page: the fetch's view report (active) and the page-exit beacon's (final).
    const views = rows.filter((r) => r.measurement === 'view');
    expect(views.map((r) => r.is_active).sort()).toEqual([false, false, true, true]);
    const resources = rows.filter((r) => r.measurement === 'resource');
    expect(resources).toHaveLength(2);
    for (const r of resources) expect(r.provider_type).toBe('first-party'); // same host as the page
    points = rows.map((r) => ({
      measurement: String(r.measurement),
      tags: { session_id: String(r.session_id), view_id: String(r.view_id), userid: String(r.userid),
              view_path_group: String(r.view_path_group), app_id: String(r.app_id) },
      fields: Object.fromEntries(['largest_contentful_paint', 'first_contentful_paint', 'loading_time', 'cumulative_layout_shift']
        .filter((k) => typeof r[k] === 'number').map((k) => [k, r[k] as number])),
      time: Number(r.time),
    }));
  });

  it('shows in /v1/rum/overview and in the RUM pages', async () => {
    const exp = expectedOverview(points);
    expect(exp).toEqual({ pv: 2, uv: 1, sessions: 1, error_sessions: 1, errors: 2 });
    const o = await sx.api(`/v1/rum/overview?app_id=${APP}&start=${Date.now() - 3_600_000}`);
    expect({ pv: o.pv, uv: o.uv, sessions: o.sessions, error_sessions: o.error_sessions, errors: o.errors }).toEqual(exp);

    const { page } = b;
    await signIn(page, sx);
    await openRoute(page, sx, `/rum?app_id=${APP}&from=now-1h&to=now`);
    await page.waitForSelector('[data-testid="rum-stat-pv"]');
    expect((await page.textContent('[data-testid="rum-stat-pv"] .stat-value'))?.trim()).toBe('2');
    expect((await page.textContent('[data-testid="rum-stat-sessions"] .stat-value'))?.trim()).toBe('1');
    expect(await page.textContent('[data-testid="rum-browsers"]')).toContain('Chrome');

    // Performance: both pages, each with its LCP as sent (largest report per view).
    const perf = expectedPerformance(points);
    await openRoute(page, sx, `/rum/performance?app_id=${APP}&from=now-1h&to=now`);
    await page.waitForSelector('[data-testid="rum-perf-table"] tbody tr');
    const table = await page.$$eval('[data-testid="rum-perf-table"] tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(table.map((r) => r[0]).sort()).toEqual(['/cart.html', '/index.html']);
    for (const r of table) {
      const e = perf.get(r[0]!)!;
      expect(r[2]).toBe(formatVital('largest_contentful_paint_ms', e.largest_contentful_paint_ms));
    }

    // The session and its timeline: 2 views, 2 clicks, 2 errors.
    await openRoute(page, sx, `/rum/sessions?app_id=${APP}&from=now-1h&to=now`);
    await page.click(`[data-testid="rum-sessions-table"] span[title="${info.sessionId}"]`);
    await page.waitForSelector('[data-testid="rum-timeline"] [data-testid="rum-tl-view"]');
    const count = (t: string) => page.locator(`[data-testid="rum-timeline"] [data-testid="rum-tl-${t}"]`).count();
    expect(await count('view')).toBe(2);
    expect(await count('action')).toBe(2);
    expect(await count('error')).toBe(2);
    expect(await count('resource')).toBe(2);
    expect(await count('long_task')).toBe(2);
    expect(await page.textContent('[data-testid="rum-session-facts"]')).toContain('Chrome / Linux');
    await screenshot(page, 'rum-browser-session');
  });

  it('has no console errors (the cross-origin requests were all allowed)', () => {
    expect(bad).toEqual([]);
    expect(unexpectedConsoleErrors(b.consoleErrors)).toEqual([]);
  });
});
