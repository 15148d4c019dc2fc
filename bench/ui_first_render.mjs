// UI first-render bench (issue 9): the release `sextant standalone` with 1,000,000 metric points
// stored, then Chromium measures navigation → first meaningful render of
//   /#/infra                    (the host table filled with every host)
//   /#/infra/hosts/<h>          (every metric chart of the host drawn)
//   /#/metrics?q=...            (the explorer's chart drawn)
// printing the median of 5 loads (after one cold load) and the server's CPU time.
// Goal: first render under 1 s on loopback.
//
// Run from ui/ (so `playwright-core` resolves from ui/node_modules), after `make ui` (or a vite
// build into SEXTANT_UI_DIR):
//   cd ui && node ../bench/ui_first_render.mjs
// Environment: SEXTANT_BIN (default build/release/apps/sextant/sextant), SEXTANT_UI_DIR (default
// build/ui), SEXTANT_CHROMIUM (default /usr/bin/chromium), BENCH_POINTS (default 1000000),
// BENCH_HOSTS (default 100), BENCH_RUNS (default 5), BENCH_KEEP=1 (keep the server running with
// its data afterwards, for profiling by hand, until Ctrl+C).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const BIN = process.env.SEXTANT_BIN ?? join(repo, 'build/release/apps/sextant/sextant');
const UI_DIR = process.env.SEXTANT_UI_DIR ?? join(repo, 'build/ui');
const CHROMIUM = process.env.SEXTANT_CHROMIUM ?? '/usr/bin/chromium';
const POINTS = Number(process.env.BENCH_POINTS ?? 1_000_000);
const HOSTS = Number(process.env.BENCH_HOSTS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const STEP_S = 10; // one point per series every 10 s

const require = createRequire(join(process.cwd(), 'noop.js'));
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  console.error('playwright-core not found: run this from ui/ (cd ui && node ../bench/ui_first_render.mjs)');
  process.exit(2);
}

const TICK = 100; // USER_HZ: /proc/<pid>/stat counts clock ticks of 10 ms
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK; // utime + stime
}

async function startSextant() {
  const home = mkdtempSync(join(tmpdir(), 'sextant-bench-ui-'));
  mkdirSync(join(home, 'conf.d'), { recursive: true });
  writeFileSync(join(home, 'conf.d/datakit.conf'), 'default_enabled_inputs = []\n');
  const child = spawn(BIN, ['standalone', '--install-dir', home, '--listen', '127.0.0.1:0',
                            '--server-listen', '127.0.0.1:0', '--ui-dir', UI_DIR],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const { serverUrl, token } = await new Promise((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`sextant did not start:\n${out}\n${err}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /web UI: (http:\/\/[\d.:]+)\/#\/signin\?token=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ serverUrl: m[1], token: m[2] });
      }
    });
    child.on('exit', (code) => fail(new Error(`sextant exited (${code}):\n${out}\n${err}`)));
  });
  return {
    serverUrl, token, pid: child.pid,
    async stop() {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    },
  };
}

// 1 M points: HOSTS hosts x 4 measurements (cpu, mem, system, net), one point every 10 s going
// back as far as the count needs (100 hosts: 2,500 points per series, ~7 hours).
function* metricBatches(now, batchLines = 20_000) {
  const series = HOSTS * 4;
  const perSeries = Math.ceil(POINTS / series);
  let lines = [];
  let written = 0;
  for (let i = perSeries - 1; i >= 0 && written < POINTS; i--) {
    const tNs = `${BigInt(now - i * STEP_S * 1000) * 1_000_000n}`;
    for (let h = 0; h < HOSTS && written < POINTS; h++) {
      const host = `host-${String(h).padStart(3, '0')}`;
      const k = (h * 7 + i) % 50;
      lines.push(
        `cpu,host=${host},cpu=cpu-total usage_total=${10 + k},usage_user=${6 + k / 2},usage_system=${3 + k / 4},usage_idle=${90 - k} ${tNs}`,
        `mem,host=${host} used_percent=${30 + (k % 40)},available_percent=${70 - (k % 40)},used=${(k + 1) * 1e8}i ${tNs}`,
        `system,host=${host} load1=${k / 10},load5=${k / 12},load15=${k / 15},n_cpus=8i ${tNs}`,
        `net,host=${host},interface=eth0 bytes_recv=${(perSeries - i) * 1_000_000}i,bytes_sent=${(perSeries - i) * 250_000}i ${tNs}`);
      written += 4;
      if (lines.length >= batchLines) {
        yield lines.join('\n');
        lines = [];
      }
    }
  }
  if (lines.length) yield lines.join('\n');
  return written;
}

function hostObjects(now) {
  const lines = [];
  for (let h = 0; h < HOSTS; h++) {
    const host = `host-${String(h).padStart(3, '0')}`;
    lines.push(`HOST,name=${host},os=linux,arch=x86_64,unicast_ip=10.0.${h >> 8}.${h & 255} ` +
               `cpu_usage=${10 + (h % 80)},mem_used_percent=${30 + (h % 60)},load=${(h % 10) / 4},num_cpu=8i,` +
               `disk_used_percent=42.5,start_time=${now - 86_400_000}i,datakit_ver="0.1.0" ` +
               `${BigInt(now) * 1_000_000n}`);
  }
  return lines.join('\n');
}

async function post(sx, category, body) {
  const r = await fetch(`${sx.serverUrl}/v1/write/${category}?token=${sx.token}`, { method: 'POST', body });
  if (!r.ok) throw new Error(`write ${category}: ${r.status} ${await r.text()}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const sx = await startSextant();
  try {
    const now = Date.now();
    const cpu0 = cpuSeconds(sx.pid);
    const t0 = performance.now();
    let written = 0;
    const inflight = new Set();
    for (const body of metricBatches(now)) {
      written += body.split('\n').length;
      const p = post(sx, 'metric', body).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= 4) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    await post(sx, 'object', hostObjects(now));
    const ingestS = (performance.now() - t0) / 1000;
    const ingestCpu = cpuSeconds(sx.pid) - cpu0;
    console.log(`stored ${written.toLocaleString()} metric points (${HOSTS} hosts x 4 measurements, ` +
                `every ${STEP_S}s) + ${HOSTS} HOST objects in ${ingestS.toFixed(1)} s ` +
                `(server CPU ${ingestCpu.toFixed(2)} s)`);

    const browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${sx.serverUrl}/#/signin?token=${sx.token}`);
    await page.waitForSelector('[data-testid="workspace-switcher"]');

    const host = 'host-042';
    const mq = encodeURIComponent('M::cpu:(avg(usage_total)) BY host');
    const targets = [
      { name: '/#/infra (100 hosts)', route: '/infra',
        ready: () => document.querySelectorAll('[data-testid="infra-hosts"] tbody tr').length >= 100 },
      { name: `/#/infra/hosts/${host} (6 charts, 6 h)`, route: `/infra/hosts/${host}?from=now-6h&to=now`,
        ready: () => {
          const cs = document.querySelectorAll('.infra-chart');
          return cs.length === 6 && [...cs].every((c) => c.querySelector('canvas') || c.querySelector('.infra-nodata'))
            && [...cs].some((c) => Number(c.getAttribute('data-points')) > 0);
        } },
      { name: '/#/metrics avg(usage_total) BY host, 6 h', route: `/metrics?q=${mq}&from=now-6h&to=now`,
        ready: () => Number(document.querySelector('[data-testid="metrics-chart"]')?.getAttribute('data-series') ?? 0) >= 100
          && !!document.querySelector('[data-testid="metrics-chart"] canvas') },
    ];

    const rows = [];
    for (const t of targets) {
      const times = [];
      const apiTimes = [];
      const cpuBefore = cpuSeconds(sx.pid);
      for (let i = 0; i <= RUNS; i++) {
        await page.goto('about:blank');
        await page.goto(`${sx.serverUrl}/#${t.route}`, { waitUntil: 'commit' });
        // performance.now() is measured from this document's navigation start.
        const ms = await (await page.waitForFunction(
          (src) => (new Function(`return (${src})()`)() ? performance.now() : 0), t.ready.toString(),
          { polling: 'raf', timeout: 60_000 })).jsonValue();
        times.push(ms);
        // When the page's last API answer arrived (the rest is the browser's work).
        apiTimes.push(await page.evaluate(() => Math.max(0, ...performance.getEntriesByType('resource')
          .filter((e) => /\/v1\/query\/raw|\/api\/v1\//.test(e.name)).map((e) => e.responseEnd))));
      }
      const cpu = cpuSeconds(sx.pid) - cpuBefore;
      rows.push({ page: t.name, cold: times[0], median: median(times.slice(1)), max: Math.max(...times.slice(1)),
                  api: median(apiTimes.slice(1)),
                  cpuPerLoad: (cpu / (RUNS + 1)) * 1000 });
    }
    await browser.close();

    const pad = (s, n) => String(s).padEnd(n);
    const padL = (s, n) => String(s).padStart(n);
    console.log('\nnavigation → first meaningful render (ms): one cold load, then median and max of', RUNS,
                '\n(data: median time the last API answer arrived; srv CPU: server CPU time per load)');
    console.log(`${pad('page', 44)}${padL('cold', 8)}${padL('median', 8)}${padL('max', 8)}${padL('data', 8)}${padL('srv CPU', 10)}`);
    for (const r of rows) {
      console.log(`${pad(r.page, 44)}${padL(r.cold.toFixed(0), 8)}${padL(r.median.toFixed(0), 8)}` +
                  `${padL(r.max.toFixed(0), 8)}${padL(r.api.toFixed(0), 8)}${padL(`${r.cpuPerLoad.toFixed(0)} ms`, 10)}`);
    }
    const worst = Math.max(...rows.map((r) => r.median));
    console.log(`\ngoal: first render under 1000 ms — ${worst < 1000 ? 'met' : 'NOT met'} (worst median ${worst.toFixed(0)} ms)`);
    if (errors.length) console.log('page errors:', errors);
    if (process.env.BENCH_KEEP) {
      // Keep the server with its data for profiling by hand; Ctrl+C (SIGINT/SIGTERM) stops it.
      console.log(`\nkept running: ${sx.serverUrl}/#/signin?token=${sx.token}`);
      await new Promise((ok) => { process.once('SIGINT', ok); process.once('SIGTERM', ok); });
    }
  } finally {
    await sx.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
