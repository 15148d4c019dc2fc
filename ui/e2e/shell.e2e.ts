// The shell in a real browser: sign-in with a token (the link sextant prints, and the form with a
// bad token), navigation to every area, the time picker, the workspace switcher.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, screenshot, signIn, startSextant, unexpectedConsoleErrors,
         type BrowserSession, type Sextant } from './harness';

let sx: Sextant;
let b: BrowserSession;

beforeAll(async () => {
  sx = await startSextant();
  b = await openBrowser();
});
afterAll(async () => {
  await b?.close();
  await sx?.stop();
});

describe('shell', () => {
  it('rejects a bad token with the server message, then signs in with the right one', async () => {
    const { page } = b;
    await page.goto(`${sx.serverUrl}/`);
    await page.fill('[data-testid="token-input"]', 'tkn_not_a_real_token');
    await page.click('[data-testid="signin-submit"]');
    const alert = await page.waitForSelector('.signin [role="alert"]');
    expect(await alert.textContent()).toMatch(/token/i);
    await page.fill('[data-testid="token-input"]', sx.token);
    await page.click('[data-testid="signin-submit"]');
    await page.waitForSelector('[data-testid="workspace-switcher"]');
    expect(await page.textContent('[data-testid="workspace-switcher"]')).toContain('default');
    await screenshot(page, 'home');
  });

  it('navigates to every area', async () => {
    const { page } = b;
    await signIn(page, sx);
    for (const area of ['infra', 'metrics', 'dashboards', 'logs', 'apm', 'ci', 'rum']) {
      await page.click(`[data-testid="nav-${area}"]`);
      await page.waitForFunction((a) => location.hash.startsWith(`#/${a}`), area);
      await page.waitForSelector('.page-head h1');
      expect(await page.getAttribute(`[data-testid="nav-${area}"]`, 'class')).toContain('active');
    }
  });

  it('keeps the picked time range in the URL', async () => {
    const { page } = b;
    await page.goto(`${sx.serverUrl}/#/logs`);
    await page.click('[data-testid="timepicker-toggle"]');
    await page.click('text=Last 6 hours');
    await page.waitForFunction(() => location.hash.includes('from=now-6h'));
    await page.click('[data-testid="timepicker-toggle"]');
    await page.fill('[data-testid="time-from"]', 'garbage');
    expect(await page.isDisabled('.popover .btn.primary')).toBe(true);
    await page.fill('[data-testid="time-from"]', 'now-90m');
    await page.click('.popover .btn.primary');
    await page.waitForFunction(() => location.hash.includes('from=now-90m'));
    // The URL changes first; the toggle's label follows on the next render.
    await page.waitForSelector('[data-testid="timepicker-toggle"]:has-text("Last 90m")');
    expect(await page.textContent('[data-testid="timepicker-toggle"]')).toContain('Last 90m');
  });

  it('has no console errors but the rejected token', () => {
    expect(unexpectedConsoleErrors(b.consoleErrors, [/status of 403/])).toEqual([]);
  });
});
