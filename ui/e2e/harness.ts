// Browser tests' harness: starts the real `sextant standalone` (SEXTANT_BIN, default the release
// build) on free loopback ports with its own temp install dir, serving the built UI
// (SEXTANT_UI_DIR, default ../build/ui); writes seed data through the server's ingest API; and
// drives Debian's Chromium (/usr/bin/chromium, or SEXTANT_CHROMIUM) with playwright-core.
// Every page's console errors are collected: tests end with expectCleanConsole(). Screenshots go
// to SEXTANT_UI_ARTIFACTS (default ../build/ui-artifacts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
export const SHARED = resolve(repo, '../shared');
const BIN = process.env.SEXTANT_BIN ?? join(repo, 'build/release/apps/sextant/sextant');
const UI_DIR = process.env.SEXTANT_UI_DIR ?? join(repo, 'build/ui');
const ARTIFACTS = process.env.SEXTANT_UI_ARTIFACTS ?? join(repo, 'build/ui-artifacts');

export interface Sextant {
  serverUrl: string; // http://127.0.0.1:<port> (UI and APIs)
  agentUrl: string; // the agent's DataKit API
  token: string; // the default workspace's token
  home: string; // the install dir (conf.d/, data/)
  // POST a body to the server's ingest: /v1/write/<category>?token= (line protocol by default).
  write(category: string, body: string, contentType?: string): Promise<void>;
  // POST to a path of the agent (e.g. /v1/gitlab, /v1/write/rum, /api/v2/spans).
  postAgent(path: string, body: string | Uint8Array, headers?: Record<string, string>): Promise<Response>;
  // GET a server API path with the token; parsed JSON.
  api(path: string): Promise<any>;
  stop(): Promise<void>;
}

export interface StartOptions {
  // Extra conf.d files: name -> TOML. Host inputs are off unless `hostInputs` (less noise).
  conf?: Record<string, string>;
  hostInputs?: boolean;
}

export async function startSextant(opts: StartOptions = {}): Promise<Sextant> {
  const home = mkdtempSync(join(tmpdir(), 'sextant-ui-'));
  mkdirSync(join(home, 'conf.d'), { recursive: true });
  writeFileSync(join(home, 'conf.d/datakit.conf'),
                opts.hostInputs ? '' : 'default_enabled_inputs = []\n');
  for (const [name, toml] of Object.entries(opts.conf ?? {})) {
    writeFileSync(join(home, 'conf.d', name), toml);
  }
  const child: ChildProcess = spawn(BIN, [
    'standalone', '--install-dir', home, '--listen', '127.0.0.1:0',
    '--server-listen', '127.0.0.1:0', '--ui-dir', UI_DIR,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const { agentUrl, serverUrl, token } = await new Promise<{ agentUrl: string; serverUrl: string; token: string }>(
    (ok, fail) => {
      let out = '';
      let agent = '';
      const timer = setTimeout(() => fail(new Error(`sextant did not start:\n${out}\n${stderr}`)), 30_000);
      child.stdout!.on('data', (d) => {
        out += d;
        const a = /agent listening on (http:\/\/[\d.:]+)/.exec(out);
        if (a) agent = a[1];
        const ui = /web UI: (http:\/\/[\d.:]+)\/#\/signin\?token=(\S+)/.exec(out);
        if (agent && ui) {
          clearTimeout(timer);
          ok({ agentUrl: agent, serverUrl: ui[1], token: ui[2] });
        }
      });
      child.on('exit', (code) => fail(new Error(`sextant exited (${code}):\n${out}\n${stderr}`)));
    });
  const check = async (r: Response, what: string) => {
    if (!r.ok) throw new Error(`${what}: ${r.status} ${await r.text()}`);
  };
  return {
    serverUrl,
    agentUrl,
    token,
    home,
    async write(category, body, contentType = 'text/plain') {
      const r = await fetch(`${serverUrl}/v1/write/${category}?token=${token}`, {
        method: 'POST', body, headers: { 'Content-Type': contentType },
      });
      await check(r, `write ${category}`);
    },
    postAgent(path, body, headers = {}) {
      return fetch(`${agentUrl}${path}`, { method: "POST", body: body as BodyInit, headers });
    },
    async api(path) {
      const r = await fetch(`${serverUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      await check(r, `GET ${path}`);
      return r.json();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((ok) => setTimeout(ok, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

// Nanosecond timestamp `agoMs` before now, for line protocol seeds.
export function nsAgo(agoMs: number): string {
  return `${BigInt(Date.now() - agoMs) * 1_000_000n}`;
}

export interface BrowserSession {
  browser: Browser;
  page: Page;
  consoleErrors: string[];
  close(): Promise<void>;
}

// Chromium with the flags this machine needs (no network beyond loopback, no sandbox as root).
export async function openBrowser(): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: process.env.SEXTANT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  return { browser, page, consoleErrors, close: () => browser.close() };
}

// Signs in through the link `sextant standalone` prints, and waits for the shell.
export async function signIn(page: Page, sx: Sextant): Promise<void> {
  await page.goto(`${sx.serverUrl}/#/signin?token=${sx.token}`);
  await page.waitForSelector('[data-testid="workspace-switcher"]');
}

// Opens a hash route ("/logs?q=x") and waits for the page's main content to settle.
export async function openRoute(page: Page, sx: Sextant, route: string): Promise<void> {
  await page.goto(`${sx.serverUrl}/#${route}`);
  await page.waitForLoadState('networkidle');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Console errors other than expected failed requests (a test that provokes a 4xx passes
// `allow` patterns).
export function unexpectedConsoleErrors(errors: string[], allow: RegExp[] = []): string[] {
  return errors.filter((e) => !allow.some((re) => re.test(e)));
}
