// Debian's Chromium driven by playwright-core (which never downloads a browser of its own), with a
// phone-sized context per test, and screenshots saved to e2e/artifacts/.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { E2E_DIR, BACKEND } from './server.mjs';

export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-US',
};

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Saves a full-page screenshot as artifacts/<backend>-<name>.png and returns its path. */
export async function snap(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${BACKEND}-${name}.png`);
  // From the top, so the sticky header is drawn where it belongs, not where filling a field scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs `fn(page)` in a fresh phone-sized context (own cookies). Uncaught page errors fail the test;
 * on failure a screenshot is kept as artifacts/<backend>-FAILED-<name>.png.
 */
export async function withPhone(browser, name, fn) {
  const context = await browser.newContext(PHONE);
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  try {
    await fn(page);
    if (pageErrors.length) {
      throw new Error(`JavaScript errors on the page:\n${pageErrors.map((e) => e.stack || e).join('\n')}`);
    }
  } catch (e) {
    await snap(page, `FAILED-${name}`).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}

/** Runs `action` and waits until a new document has replaced the current one and finished loading. */
export async function andWaitForNewPage(page, action) {
  await page.evaluate(() => {
    window.__e2eOldPage = true;
  });
  await action();
  await page.waitForFunction(() => !window.__e2eOldPage && document.readyState === 'complete');
}
