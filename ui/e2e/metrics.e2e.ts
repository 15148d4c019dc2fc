// The metrics explorer against the real server: pickers fed by show_* over seeded metrics, the
// query text they build, DQL and PromQL results as chart series and table rows, several queries,
// the query in the URL, the server's error message, completion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsAgo, openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

let sx: Sextant;
let b: BrowserSession;

// mem used_percent is constant per host, so any bucket's value is the seeded one.
const HOSTS = [
  { host: 'h1', cpu: 10, mem: 41.5 },
  { host: 'h2', cpu: 20, mem: 62.25 },
  { host: 'h3', cpu: 30, mem: 83 },
];
const MINUTES = 30;

beforeAll(async () => {
  sx = await startSextant();
  const lines: string[] = [];
  for (const h of HOSTS) {
    for (let i = 0; i < MINUTES; i++) {
      const ts = nsAgo((MINUTES - i) * 60_000 - 30_000);
      lines.push(`cpu,host=${h.host},cpu=cpu-total usage_total=${h.cpu + (i % 3)},usage_idle=${100 - h.cpu} ${ts}`);
      lines.push(`mem,host=${h.host} used_percent=${h.mem},total=17179869184i ${ts}`);
    }
  }
  await sx.write('metric', lines.join('\n'));
  b = await openBrowser();
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

const optionValues = (sel: string) =>
  b.page.$$eval(`${sel} option`, (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));

async function waitSeries(n: number) {
  await b.page.waitForFunction((want) =>
    Number(document.querySelector('[data-testid="metrics-chart"]')?.getAttribute('data-series') ?? -1) === want, n);
}

async function waitOptions(sel: string, value: string) {
  await b.page.waitForFunction(([s, v]) =>
    Array.from(document.querySelectorAll(`${s} option`)).some((o) => (o as HTMLOptionElement).value === v), [sel, value]);
}

// A query parameter of the page's hash route.
const urlParam = (k: string) => b.page.evaluate((key) =>
  new URLSearchParams(location.hash.slice(location.hash.indexOf('?') + 1)).get(key), k);

// Opens a route in a fresh page load (a hash change alone would keep the editors' drafts).
async function openFresh(route: string) {
  await openRoute(b.page, sx, route);
  await b.page.reload();
  await b.page.waitForLoadState('networkidle');
}

async function rawQuery(lang: string, q: string) {
  const now = Date.now();
  const r = await fetch(`${sx.serverUrl}/v1/query/raw`, {
    method: 'POST', headers: { Authorization: `Bearer ${sx.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ queries: [{ qtype: lang, query: { q, time_range: [now - 900_000, now] } }] }),
  });
  return { status: r.status, body: await r.json() };
}

describe('metrics explorer', () => {
  it('pickers list the seeded measurements, fields and tags and build the query', async () => {
    const { page } = b;
    await openFresh('/metrics');
    await waitOptions('[data-testid="metrics-measurement-A"]', 'cpu');
    expect((await optionValues('[data-testid="metrics-measurement-A"]')).sort()).toEqual(['cpu', 'mem']);
    await page.selectOption('[data-testid="metrics-measurement-A"]', 'cpu');
    await waitOptions('[data-testid="metrics-field-A"]', 'usage_total');
    expect((await optionValues('[data-testid="metrics-field-A"]')).sort()).toEqual(['usage_idle', 'usage_total']);
    await waitOptions('[data-testid="metrics-by-A"]', 'host');
    expect((await optionValues('[data-testid="metrics-by-A"]')).sort()).toEqual(['cpu', 'host']);
    await page.selectOption('[data-testid="metrics-field-A"]', 'usage_total');
    await page.selectOption('[data-testid="metrics-by-A"]', 'host');
    expect(await page.inputValue('[data-testid="metrics-editor-A"]')).toBe('M::cpu:(avg(usage_total)) BY host');
    await waitSeries(HOSTS.length);
    expect(await urlParam('q')).toBe('M::cpu:(avg(usage_total)) BY host');
    // A tag filter: one host left.
    await page.selectOption('[data-testid="metrics-filter-key-A"]', 'host');
    await waitOptions('[data-testid="metrics-filter-value-A"]', 'h2');
    expect(await optionValues('[data-testid="metrics-filter-value-A"]')).toEqual(['h1', 'h2', 'h3']);
    await page.selectOption('[data-testid="metrics-filter-value-A"]', 'h2');
    expect(await page.inputValue('[data-testid="metrics-editor-A"]')).toBe("M::cpu:(avg(usage_total)) {host = 'h2'} BY host");
    await waitSeries(1);
    await screenshot(page, 'metrics-pickers');
  });

  it('shows a shared link\'s queries and the table view with the seeded values', async () => {
    const { page } = b;
    const q = 'M::mem:(last(used_percent)) BY host';
    await openFresh(`/metrics?q=${encodeURIComponent(q)}&view=table`);
    expect(await page.inputValue('[data-testid="metrics-editor-A"]')).toBe(q);
    // The pickers follow the query.
    await waitOptions('[data-testid="metrics-by-A"]', 'host');
    expect(await page.inputValue('[data-testid="metrics-measurement-A"]')).toBe('mem');
    expect(await page.inputValue('[data-testid="metrics-agg-A"]')).toBe('last');
    expect(await page.inputValue('[data-testid="metrics-field-A"]')).toBe('used_percent');
    expect(await page.inputValue('[data-testid="metrics-by-A"]')).toBe('host');
    await page.waitForSelector('[data-testid="metrics-table"] tbody tr');
    const rows = await page.$$eval('[data-testid="metrics-table"] tbody tr', (trs) => trs.map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    for (const h of HOSTS) {
      const mine = rows.filter((r) => r[1] === `mem {host=${h.host}}`);
      expect(mine.length).toBeGreaterThan(0);
      for (const r of mine) expect(r[3]).toBe(String(h.mem));
    }
    await screenshot(page, 'metrics-table');
  });

  it('runs a typed PromQL query', async () => {
    const { page } = b;
    await openFresh('/metrics');
    await page.click('[data-testid="metrics-lang-promql-A"]');
    await page.waitForFunction(() => location.hash.includes('lang=promql'));
    await page.fill('[data-testid="metrics-editor-A"]', 'avg by (host) (mem_used_percent)');
    await page.press('[data-testid="metrics-editor-A"]', 'Control+Enter');
    await waitSeries(HOSTS.length);
    await page.click('[data-testid="metrics-view-table"]');
    await page.waitForSelector('[data-testid="metrics-table"] tbody tr');
    const values = await page.$$eval('[data-testid="metrics-table"] tbody tr', (trs) =>
      trs.map((tr) => [tr.children[1].textContent, tr.children[3].textContent]));
    for (const h of HOSTS) {
      expect(values.filter((v) => v[0]?.includes(`host=${h.host}`)).every((v) => v[1] === String(h.mem))).toBe(true);
      expect(values.some((v) => v[0]?.includes(`host=${h.host}`))).toBe(true);
    }
  });

  it('draws several queries at once and keeps them in the URL', async () => {
    const { page } = b;
    await openFresh(`/metrics?q=${encodeURIComponent('M::cpu:(avg(usage_total)) BY host')}`);
    await waitSeries(HOSTS.length);
    await page.click('[data-testid="metrics-add-query"]');
    await page.waitForSelector('[data-testid="metrics-editor-B"]');
    await page.fill('[data-testid="metrics-editor-B"]', 'M::mem:(avg(used_percent))');
    await page.click('[data-testid="metrics-run-B"]');
    await waitSeries(HOSTS.length + 1);
    expect(await urlParam('qB')).toBe('M::mem:(avg(used_percent))');
    expect(await urlParam('q')).toBe('M::cpu:(avg(usage_total)) BY host');
    await page.click('[data-testid="metrics-view-area"]');
    await waitSeries(HOSTS.length + 1);
    await screenshot(page, 'metrics-multi');
    // Reload: the same two queries come back.
    await page.reload();
    await waitSeries(HOSTS.length + 1);
    expect(await page.inputValue('[data-testid="metrics-editor-B"]')).toBe('M::mem:(avg(used_percent))');
    await page.click('[data-testid="metrics-remove-B"]');
    await waitSeries(HOSTS.length);
  });

  it('shows the server\'s error message for an invalid query', async () => {
    const { page } = b;
    const bad = 'M::cpu:(avg(usage_total';
    const expected = await rawQuery('dql', bad);
    expect(expected.status).toBe(400);
    await openFresh(`/metrics?q=${encodeURIComponent(bad)}`);
    await page.waitForSelector('[data-testid="metrics-error-A"]');
    const text = await page.textContent('[data-testid="metrics-error-A"]');
    expect(text).toContain(expected.body.message);
    expect(text).toContain(expected.body.error_code);
    await screenshot(page, 'metrics-error');
  });

  it('completes a measurement name, then fields, in DQL', async () => {
    const { page } = b;
    await openFresh('/metrics');
    const ed = '[data-testid="metrics-editor-A"]';
    await page.click(ed);
    await page.keyboard.type('M::me');
    await page.waitForSelector('[data-testid="metrics-suggestions"]');
    expect(await page.textContent('[data-testid="metrics-suggestions"] li.active')).toContain('mem');
    await page.keyboard.press('Tab');
    expect(await page.inputValue(ed)).toBe('M::mem');
    await page.keyboard.type(':(avg(us');
    await page.waitForSelector('[data-testid="metrics-suggestions"] li:has-text("used_percent")');
    await screenshot(page, 'metrics-completion');
    await page.keyboard.press('Enter');
    expect(await page.inputValue(ed)).toBe('M::mem:(avg(used_percent');
    await page.keyboard.type(')) {host = \'h');
    await page.waitForSelector('[data-testid="metrics-suggestions"] li:has-text("h3")');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    expect(await page.inputValue(ed)).toBe("M::mem:(avg(used_percent)) {host = 'h3'");
  });

  it('completes a PromQL metric name', async () => {
    const { page } = b;
    await openFresh('/metrics?lang=promql');
    const ed = '[data-testid="metrics-editor-A"]';
    await page.click(ed);
    await page.keyboard.type('cpu_usage_t');
    await page.waitForSelector('[data-testid="metrics-suggestions"] li:has-text("cpu_usage_total")');
    await page.keyboard.press('Enter');
    expect(await page.inputValue(ed)).toBe('cpu_usage_total');
    await page.keyboard.press('Control+Enter');
    await waitSeries(HOSTS.length);
  });

  it('has no console errors but the rejected query', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 400/])).toEqual([]);
  });
});
