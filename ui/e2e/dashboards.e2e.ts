// Dashboards in a real browser against the real server: the built-in Host Overview over seeded
// cpu / mem / system points of two hosts (the host variable filters the series), creating a
// dashboard with a DQL chart that survives a reload (the acceptance test "edit and save a
// dashboard"), the save conflict (optimistic concurrency on `version`), export then import.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsAgo, openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

let sx: Sextant;
let b: BrowserSession;

// Six points per host, one a minute: cpu usage_total web-1 10..15, web-2 50..55.
const HOSTS = { 'web-1': 10, 'web-2': 50 };
const CPU: Record<string, number[]> = {};

function seed(): string {
  const lines: string[] = [];
  for (const [host, base] of Object.entries(HOSTS)) {
    CPU[host] = [];
    for (let i = 0; i < 6; i++) {
      const t = nsAgo((i + 1) * 60_000);
      const usage = base + i;
      CPU[host].push(usage);
      lines.push(`cpu,host=${host},cpu=cpu-total usage_total=${usage},usage_user=${usage / 2},usage_system=${usage / 4},usage_iowait=1 ${t}`);
      lines.push(`mem,host=${host} used_percent=${base / 2 + i},used=${(base + i) * 1e7},available=${1e9} ${t}`);
      lines.push(`system,host=${host} load1=${base / 10},load5=${base / 10 + 0.5},load15=1 ${t}`);
      lines.push(`disk,host=${host},mount_point=/,device=vda1 used_percent=${base + 5} ${t}`);
    }
  }
  return lines.join('\n');
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function apiSend(method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${sx.serverUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sx.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

// The chart panel with a given title.
const chart = (title: string) => `[data-testid="dashboard-chart"][data-chart-title="${title}"]`;

async function chartBody(title: string) {
  const { page } = b;
  const sel = `${chart(title)} [data-testid="chart-body"]`;
  await page.waitForSelector(sel);
  return page.locator(sel);
}

beforeAll(async () => {
  sx = await startSextant();
  await sx.write('metric', seed());
  b = await openBrowser();
  await signIn(b.page, sx);
}, 60_000);
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

let savedId = '';

describe('dashboards', () => {
  it('lists the built-in Host Overview and says how to create one', async () => {
    const { page } = b;
    await openRoute(page, sx, '/dashboards');
    await page.waitForSelector('[data-testid="builtin-list"]');
    expect(await page.textContent('[data-testid="builtin-list"]')).toContain('Host Overview');
    expect(await page.textContent('[data-testid="empty-state"]')).toContain('POST /v1/dashboards');
    await screenshot(page, 'dashboards-list-empty');
    // Host Overview over a range without data says how to get host metrics in.
    await openRoute(page, sx, '/dashboards/builtin.host_overview?from=now-30d&to=now-29d');
    await page.waitForSelector('[data-testid="empty-state"]');
    expect(await page.textContent('[data-testid="empty-state"]')).toContain('default_enabled_inputs');
    await page.waitForSelector('[data-testid="chart-nodata"]');
  });

  it('shows Host Overview for two hosts; the host variable filters the series', async () => {
    const { page } = b;
    await openRoute(page, sx, '/dashboards/builtin.host_overview');
    const cpu = await chartBody('CPU usage by host');
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-series') === '2',
                               `${chart('CPU usage by host')} [data-testid="chart-body"]`);
    expect((await cpu.getAttribute('data-names'))!.split('|').sort()).toEqual(['host=web-1', 'host=web-2']);
    const all = avg([...CPU['web-1'], ...CPU['web-2']]);
    await page.waitForSelector(`${chart('CPU usage')} [data-testid="stat-value"]`);
    expect(await page.textContent(`${chart('CPU usage')} [data-testid="stat-value"]`)).toBe(`${all}%`);
    // Every chart with seeded data draws (memory, load, disk); no error boxes.
    await chartBody('Memory used by host');
    await chartBody('Busiest hosts (load 5m)');
    expect(await page.locator(`${chart('Disk space used')} [data-testid="chart-table"] tbody tr`).count()).toBe(2);
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    await screenshot(page, 'dashboards-host-overview');

    await page.click('[data-testid="var-host"]');
    await page.waitForSelector('[data-testid="var-option-web-2"]');
    await page.click('[data-testid="var-option-web-2"]');
    await page.waitForFunction(() => location.hash.includes('var-host=web-2'));
    await page.keyboard.press('Escape');
    await page.mouse.click(5, 300);
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-names') === 'host=web-2',
                               `${chart('CPU usage by host')} [data-testid="chart-body"]`);
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want,
                               [`${chart('CPU usage')} [data-testid="stat-value"]`, `${avg(CPU['web-2'])}%`]);
    expect(await page.textContent('[data-testid="var-host"]')).toContain('web-2');
    await screenshot(page, 'dashboards-host-overview-web-2');
  });

  it('edit and save a dashboard', async () => {
    const { page } = b;
    await openRoute(page, sx, '/dashboards');
    await page.click('[data-testid="new-dashboard"]');
    await page.waitForFunction(() => /#\/dashboards\/[0-9a-f]{16}/.test(location.hash));
    savedId = /#\/dashboards\/([0-9a-f]{16})/.exec(page.url())![1];
    await page.waitForSelector('[data-testid="dashboard-title-input"]');
    await page.fill('[data-testid="dashboard-title-input"]', 'My CPU');
    await page.click('[data-testid="add-chart-0"]');
    await page.waitForSelector('[data-testid="chart-editor"]');
    await page.fill('[data-testid="chart-title-input"]', 'CPU by host');
    await page.selectOption('[data-testid="chart-type-select"]', 'timeseries');
    await page.selectOption('[data-testid="chart-unit-select"]', 'percent');
    await page.fill('[data-testid="query-text-0"]', 'M::cpu:(avg(usage_total)) BY host');
    await page.click('[data-testid="query-run"]');
    await page.waitForSelector('[data-testid="chart-editor"] [data-testid="chart-body"][data-series="2"]');
    await screenshot(page, 'dashboards-chart-editor');
    await page.click('[data-testid="editor-apply"]');
    await page.waitForSelector('[data-testid="unsaved"]');
    await page.click('[data-testid="save-dashboard"]');
    await page.waitForSelector('[data-testid="save-notice"]');

    await page.reload();
    await page.waitForSelector('[data-testid="dashboard-title"]');
    expect(await page.textContent('[data-testid="dashboard-title"]')).toContain('My CPU');
    const body = await chartBody('CPU by host');
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-series') === '2',
                               `${chart('CPU by host')} [data-testid="chart-body"]`);
    expect((await body.getAttribute('data-names'))!.split('|').sort()).toEqual(['host=web-1', 'host=web-2']);
    expect(await page.locator(`${chart('CPU by host')} canvas`).count()).toBeGreaterThan(0);
    await screenshot(page, 'dashboards-saved');

    const stored = await sx.api(`/v1/dashboards/${savedId}`);
    expect(stored.title).toBe('My CPU');
    expect(stored.version).toBe(2);
    expect(stored.groups[0].charts[0]).toMatchObject({
      title: 'CPU by host', type: 'timeseries', unit: 'percent',
      queries: [{ lang: 'dql', q: 'M::cpu:(avg(usage_total)) BY host' }],
    });
    const list = await sx.api('/v1/dashboards');
    expect(list.dashboards.map((d: any) => [d.id, d.title, d.charts])).toEqual([[savedId, 'My CPU', 1]]);
  });

  it('a stale save is refused (409): reload theirs, or overwrite with mine', async () => {
    const { page } = b;
    await openRoute(page, sx, `/dashboards/${savedId}`);
    await page.click('[data-testid="edit-dashboard"]');
    await page.fill('[data-testid="dashboard-title-input"]', 'Mine');
    // Someone else saves meanwhile.
    const theirs = await sx.api(`/v1/dashboards/${savedId}`);
    const r = await apiSend('PUT', `/v1/dashboards/${savedId}`, { ...theirs, title: 'Theirs' });
    expect(r.status).toBe(200);
    await page.click('[data-testid="save-dashboard"]');
    await page.waitForSelector('[data-testid="save-conflict"]');
    expect(await page.textContent('[data-testid="save-conflict"]'))
      .toContain(`dashboard ${savedId} was changed since you loaded it (version 2, now 3)`);
    await screenshot(page, 'dashboards-conflict');
    await page.click('[data-testid="conflict-reload"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="dashboard-title"]')?.textContent?.includes('Theirs'));

    await page.click('[data-testid="edit-dashboard"]');
    await page.fill('[data-testid="dashboard-title-input"]', 'Mine');
    const again = await sx.api(`/v1/dashboards/${savedId}`);
    expect((await apiSend('PUT', `/v1/dashboards/${savedId}`, { ...again, title: 'Theirs 2' })).status).toBe(200);
    await page.click('[data-testid="save-dashboard"]');
    await page.waitForSelector('[data-testid="conflict-overwrite"]');
    await page.click('[data-testid="conflict-overwrite"]');
    await page.waitForSelector('[data-testid="save-notice"]');
    const stored = await sx.api(`/v1/dashboards/${savedId}`);
    expect(stored.title).toBe('Mine');
    expect(stored.version).toBe(5);
    expect(stored.groups[0].charts[0].title).toBe('CPU by host');
  });

  it('exports a dashboard and imports it back', async () => {
    const { page } = b;
    await openRoute(page, sx, `/dashboards/${savedId}`);
    await page.waitForSelector('[data-testid="export-dashboard"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-dashboard"]')]);
    expect(download.suggestedFilename()).toBe('mine.json');
    const path = await download.path();
    const text = readFileSync(path!, 'utf8');
    const exported = JSON.parse(text);
    expect(exported).not.toHaveProperty('id');
    expect(exported).not.toHaveProperty('version');
    expect(exported.title).toBe('Mine');

    await openRoute(page, sx, '/dashboards');
    await page.click('[data-testid="import-dashboard"]');
    // A bad document is refused with the reason.
    await page.fill('[data-testid="import-text"]', JSON.stringify({ title: 'x', groups: [{ charts: [{ type: 'radar' }] }] }));
    await page.click('[data-testid="import-submit"]');
    expect(await page.textContent('[data-testid="import-errors"]'))
      .toContain('groups[0].charts[0].type: unknown chart type "radar"');
    await page.setInputFiles('[data-testid="import-file"]', path!);
    await page.waitForFunction(() => (document.querySelector('[data-testid="import-text"]') as HTMLTextAreaElement)?.value.includes('Mine'));
    await screenshot(page, 'dashboards-import');
    await page.click('[data-testid="import-submit"]');
    await page.waitForFunction((old) => /#\/dashboards\/[0-9a-f]{16}/.test(location.hash) && !location.hash.includes(old), savedId);
    const newId = /#\/dashboards\/([0-9a-f]{16})/.exec(page.url())![1];
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-series') === '2',
                               `${chart('CPU by host')} [data-testid="chart-body"]`);
    const strip = ({ id: _i, version: _v, created: _c, updated: _u, ...rest }: any) => rest;
    const a = await sx.api(`/v1/dashboards/${savedId}`);
    const c = await sx.api(`/v1/dashboards/${newId}`);
    expect(strip(c)).toEqual(strip(a));
    expect(c.version).toBe(1);
    await openRoute(page, sx, '/dashboards');
    await page.waitForSelector('[data-testid="saved-list"]');
    expect(await page.locator('[data-testid="saved-row"]').count()).toBe(2);
    await screenshot(page, 'dashboards-list');
  });

  it('has no console errors but the provoked conflicts', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 409/])).toEqual([]);
  });
});
