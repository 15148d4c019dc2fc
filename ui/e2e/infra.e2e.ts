// The Infrastructure area against the real server: HOST objects and host metrics written through
// the ingest API; the list shows the seeded hosts and numbers, search filters, the detail page
// shows the object's facts and charts with the seeded points.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsAgo, openBrowser, openRoute, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

let sx: Sextant;
let b: BrowserSession;

interface SeedHost { name: string; os: string; ip: string; cpu: number; mem: number; ncpu: number; bootAgoH: number }
const HOSTS: SeedHost[] = [
  { name: 'web-1', os: 'linux', ip: '10.0.0.11', cpu: 12.5, mem: 41.25, ncpu: 4, bootAgoH: 30 },
  { name: 'web-2', os: 'linux', ip: '10.0.0.12', cpu: 73.4, mem: 66.5, ncpu: 4, bootAgoH: 5 },
  { name: 'db-1', os: 'freebsd', ip: '10.0.1.5', cpu: 95.1, mem: 88.8, ncpu: 16, bootAgoH: 200 },
];
const POINTS = 30; // one a minute over the last 30 minutes

function message(h: SeedHost): string {
  return JSON.stringify({ host: {
    meta: { host_name: h.name, os: h.os, platform: 'debian', platform_version: '12.11', kernel_release: '6.1.0-test', arch: 'x86_64' },
    cpu: Array.from({ length: h.ncpu }, () => ({ vendor_id: 'GenuineIntel', module_name: 'Test CPU @ 2.60GHz', cores: 1 })),
    mem: { memory_total: 16 * 2 ** 30, swap_total: 0 },
    net: [{ name: 'eth0', mtu: 1500, mac: '02:00:00:00:00:01', ip4: `${h.ip}/24` }],
    disk: [{ device: '/dev/vda1', total: 100 * 2 ** 30, fstype: 'ext4', mountpoint: '/' }],
  } });
}

const lpString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

beforeAll(async () => {
  sx = await startSextant();
  const objects = HOSTS.map((h) =>
    `HOST,name=${h.name},os=${h.os},arch=x86_64,unicast_ip=${h.ip} cpu_usage=${h.cpu},mem_used_percent=${h.mem},` +
    `load=1.5,num_cpu=${h.ncpu}i,disk_used_percent=30.5,start_time=${Date.now() - h.bootAgoH * 3600_000}i,` +
    `datakit_ver="0.1.0",message=${lpString(message(h))} ${nsAgo(1000)}`).join('\n');
  await sx.write('object', objects);
  const lines: string[] = [];
  HOSTS.forEach((h, hi) => {
    for (let i = 0; i < POINTS; i++) {
      const ts = nsAgo((POINTS - i) * 60_000);
      const wobble = (i % 5) - 2;
      lines.push(`cpu,host=${h.name},cpu=cpu-total usage_total=${h.cpu + wobble},usage_user=${h.cpu * 0.7},usage_system=${h.cpu * 0.3} ${ts}`);
      lines.push(`mem,host=${h.name} used_percent=${h.mem + wobble / 2} ${ts}`);
      lines.push(`system,host=${h.name} load1=${1 + hi + wobble / 10},load5=${1 + hi},load15=${0.8 + hi} ${ts}`);
      lines.push(`disk,host=${h.name},mount_point=/,device=/dev/vda1 used_percent=${30 + i / 10} ${ts}`);
      lines.push(`diskio,host=${h.name},name=vda read_bytes=${i * 1_000_000}i,write_bytes=${i * 3_000_000}i ${ts}`);
      lines.push(`net,host=${h.name},interface=eth0 bytes_recv=${i * 600_000}i,bytes_sent=${i * 120_000}i ${ts}`);
    }
  });
  await sx.write('metric', lines.join('\n'));
  b = await openBrowser();
  await signIn(b.page, sx);
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

async function hostTableRows() {
  return b.page.$$eval('[data-testid="infra-hosts"] tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
}

describe('infrastructure', () => {
  it('lists the seeded hosts with their CPU and memory use', async () => {
    const { page } = b;
    await openRoute(page, sx, '/infra');
    await page.waitForSelector('[data-testid="infra-hosts"] tbody tr');
    const rows = await hostTableRows();
    expect(rows.map((r) => r[0])).toEqual(['db-1', 'web-1', 'web-2']); // sorted by name
    for (const h of HOSTS) {
      const r = rows.find((x) => x[0] === h.name)!;
      expect(r[1]).toContain(h.os);
      expect(r[2]).toBe(h.ip);
      expect(r[3]).toBe(String(h.ncpu));
      expect(r[4]).toBe(`${Number(h.cpu.toFixed(1))}%`);
      expect(r[5]).toBe(`${Number(h.mem.toFixed(1))}%`);
    }
    expect(await page.textContent('[data-testid="infra-stat-hosts"] .stat-value')).toBe('3');
    await screenshot(page, 'infra-list');
  });

  it('sorts by a column', async () => {
    const { page } = b;
    await page.click('[data-testid="infra-hosts"] th:has-text("CPU use")');
    const rows = await hostTableRows();
    expect(rows.map((r) => r[0])).toEqual(['db-1', 'web-2', 'web-1']); // CPU, highest first
  });

  it('search filters the list and stays in the URL', async () => {
    const { page } = b;
    await page.fill('[data-testid="infra-search"]', 'web');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="infra-hosts"] tbody tr').length === 2);
    expect((await hostTableRows()).map((r) => r[0]).sort()).toEqual(['web-1', 'web-2']);
    expect(await page.evaluate(() => location.hash)).toContain('q=web');
    await page.fill('[data-testid="infra-search"]', '10.0.1');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="infra-hosts"] tbody tr').length === 1);
    expect((await hostTableRows())[0][0]).toBe('db-1');
    await page.fill('[data-testid="infra-search"]', 'nothing-like-this');
    await page.waitForSelector('text=No host matches');
    expect(await page.textContent('[data-testid="infra-host-count"]')).toContain('0 of 3');
  });

  it('opens a host: facts from the object and charts with the seeded points', async () => {
    const { page } = b;
    await openRoute(page, sx, '/infra?from=now-1h&to=now');
    await page.click('[data-testid="infra-hosts"] tbody tr:has-text("web-2")');
    await page.waitForFunction(() => location.hash.startsWith('#/infra/hosts/web-2'));
    expect(await page.evaluate(() => location.hash)).toContain('from=now-1h');
    await page.waitForSelector('[data-testid="infra-host-info"]');
    expect(await page.textContent('[data-testid="infra-host-title"]')).toBe('web-2');
    expect(await page.textContent('[data-testid="infra-detail-cpu"] .stat-value')).toBe('73.4%');
    expect(await page.textContent('[data-testid="infra-detail-mem"] .stat-value')).toBe('66.5%');
    const info = await page.textContent('[data-testid="infra-host-info"]');
    expect(info).toContain('6.1.0-test');
    expect(info).toContain('10.0.0.12');
    expect(info).toContain('16 GiB');
    expect(info).toContain('eth0');
    // Every chart drew: cpu has 3 series (total, user, system), mem 1, load 3, disk 1 (mount point),
    // diskio 2 and net 2; the gauges have a point per minute (up to the bucket alignment).
    const expected: Record<string, number> = { cpu: 3, mem: 1, load: 3, disk: 1, diskio: 2, net: 2 };
    for (const [id, n] of Object.entries(expected)) {
      const sel = `[data-testid="infra-chart-${id}"]`;
      await page.waitForFunction((s) => Number(document.querySelector(s)?.getAttribute('data-points') ?? 0) > 0, sel);
      expect(Number(await page.getAttribute(sel, 'data-series'))).toBe(n);
      expect(await page.$(`${sel} canvas`)).not.toBeNull();
    }
    const memPoints = Number(await page.getAttribute('[data-testid="infra-chart-mem"]', 'data-points'));
    expect(memPoints).toBeGreaterThanOrEqual(POINTS - 2);
    expect(memPoints).toBeLessThanOrEqual(POINTS + 1);
    expect(await page.getAttribute('[data-testid="infra-logs-link"]', 'href')).toContain('q=host%3Aweb-2');
    expect(await page.getAttribute('[data-testid="infra-traces-link"]', 'href')).toContain('text=host%3Aweb-2');
    await screenshot(page, 'infra-host');
  });

  it('shows an empty state for an unknown host', async () => {
    const { page } = b;
    await openRoute(page, sx, '/infra/hosts/ghost');
    await page.waitForSelector('[data-testid="empty-state"]');
    expect(await page.textContent('[data-testid="empty-state"]')).toContain('No HOST object');
    await page.waitForSelector('[data-testid="infra-chart-cpu"] .infra-nodata');
  });

  it('has no console errors', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors)).toEqual([]);
  });
});
