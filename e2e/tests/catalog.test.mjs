// Catalog import in a phone-sized Chromium against a server with demo data: the demo merchant opens the
// catalog page from the dashboard, uploads the Google Merchant Center sample through the real form, watches
// the progress bar reach 100 % (SSE), and reads the report table; the export links have copy buttons.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BACKEND, E2E_DIR, startServer } from '../lib/server.mjs';
import { ARTIFACTS, launchBrowser, snap, withPhone, andWaitForNewPage } from '../lib/browser.mjs';

const DEMO_PASSWORD = 'souk-demo';
const SHOP = 'seoul-stitch';
const MERCHANT = 'seoul_stitch';
const FIXTURE = path.resolve(E2E_DIR, '../crates/souk/tests/fixtures/feeds/google_merchant.tsv');
const TEST_TIMEOUT = 240_000;

/** Fails when the page is wider than the phone. */
async function assertFitsWidth(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${new URL(page.url()).pathname} is ${scroll} px wide on a ${client} px screen`);
}

describe('catalog import in the browser (demo data)', () => {
  let server;
  let browser;

  before(
    async () => {
      server = await startServer({ demo: true });
      browser = await launchBrowser();
    },
    { timeout: 360_000 },
  );

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the merchant uploads a Google feed and sees the progress bar fill and the report', { timeout: TEST_TIMEOUT }, async () => {
    const base = server.url;
    await withPhone(browser, 'catalog', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', MERCHANT);
      await page.fill('#password', DEMO_PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());

      // From the dashboard's tool links to the catalog hub.
      await page.goto(`${base}/s/${SHOP}/dashboard`);
      await andWaitForNewPage(page, () => page.locator(`a[href="/s/${SHOP}/catalog"]`).click());
      assert.equal(new URL(page.url()).pathname, `/s/${SHOP}/catalog`);
      await assertFitsWidth(page);
      // Each export link got a copy button from catalog.js.
      const links = page.locator('input[data-catalog-copy]');
      assert.equal(await links.count(), 11, 'Google, Meta and Pinterest in three formats, TikTok in two');
      assert.equal(await page.locator('button.catalog-copy').count(), 11);
      assert.match(await links.first().inputValue(), new RegExp(`^http://[^/]+/shops/${SHOP}/feeds/google\\.csv$`));
      await snap(page, 'catalog-1-hub');

      // Upload through the real form.
      await page.setInputFiles('#cu-file', FIXTURE);
      await andWaitForNewPage(page, () => page.locator('form.catalog-upload-form button[type="submit"]').click());
      assert.match(new URL(page.url()).pathname, new RegExp(`^/s/${SHOP}/catalog/runs/\\d+$`));

      // The run finishes (live over SSE, then the page reloads itself with the report).
      await page.waitForSelector('.catalog-summary', { timeout: 60_000 });
      assert.equal(await page.locator('progress[data-run-progress]').getAttribute('value'), '100');
      assert.equal((await page.locator('[data-run-percent]').textContent()).trim(), '100 %');
      assert.equal((await page.locator('[data-run-count="imported"]').textContent()).trim(), '7');
      assert.equal((await page.locator('[data-run-count="rejected"]').textContent()).trim(), '4');
      const rows = page.locator('table.catalog-errors tbody tr');
      assert.ok((await rows.count()) >= 4, 'the report lists the rejected rows');
      const table = await page.locator('table.catalog-errors').textContent();
      for (const code of ['price_missing_currency', 'invalid_availability', 'invalid_url']) {
        assert.ok(table.includes(code), `${code} in the report`);
      }
      await assertFitsWidth(page);
      await snap(page, 'catalog-2-run');

      // A code chip narrows the table to that problem.
      await andWaitForNewPage(page, () => page.locator('.catalog-chips a', { hasText: 'invalid_availability' }).click());
      assert.equal(await page.locator('table.catalog-errors tbody tr').count(), 1);
      assert.ok((await page.locator('table.catalog-errors').textContent()).includes('BAD-AVAIL'));
      await snap(page, 'catalog-3-filtered');
    });
  });

  test('the progress bar moves live while a run is under way', { timeout: TEST_TIMEOUT }, async () => {
    const base = server.url;
    await withPhone(browser, 'catalog-live', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', MERCHANT);
      await page.fill('#password', DEMO_PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      await page.goto(`${base}/s/${SHOP}/catalog`);
      // A generated file big enough that the run takes a moment.
      const header = 'id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\n';
      let body = header;
      for (let i = 0; i < 1500; i += 1) {
        body += `LIVE-${i}\tLive item ${i}\tGenerated.\thttps://shop.example.com/p/${i}\thttps://shop.example.com/i/${i}.jpg\tin_stock\t${(i % 90) + 10}000 KRW\n`;
      }
      await page.setInputFiles('#cu-file', { name: 'live.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(body) });
      await andWaitForNewPage(page, () => page.locator('form.catalog-upload-form button[type="submit"]').click());
      await page.waitForSelector('.catalog-summary', { timeout: 120_000 });
      assert.equal((await page.locator('[data-run-count="processed"]').textContent()).trim(), '1,500');
      assert.equal(await page.locator('progress[data-run-progress]').getAttribute('value'), '100');
      // Finished pages do not refresh themselves or keep a stream open.
      assert.equal(await page.locator('[data-run-events]').count(), 0);

      // Back on the hub, both imports are listed with their counts and links.
      await page.goto(`${base}/s/${SHOP}/catalog`);
      assert.ok((await page.locator('table.catalog-runs tbody tr').count()) >= 2);
      assert.ok((await page.locator('table.catalog-runs').textContent()).includes('live.tsv'));
      await assertFitsWidth(page);
      await snap(page, 'catalog-4-hub-imports');

      // A data source added through its form is listed with its host, schedule and buttons.
      await page.fill('#cs-name', 'Spring line');
      await page.fill('#cs-url', 'https://feeds.example.com/spring.xml');
      await page.selectOption('#cs-schedule', 'weekly');
      await andWaitForNewPage(page, () => page.locator('form[action$="/catalog/sources"] button[type="submit"]').click());
      const source = page.locator('li.catalog-source');
      assert.equal(await source.count(), 1);
      assert.ok((await source.textContent()).includes('feeds.example.com'));
      assert.equal(await source.locator('button').count(), 3, 'fetch now, pause, delete');
      await assertFitsWidth(page);
      await page.locator('#sources').screenshot({ path: path.join(ARTIFACTS, `${BACKEND}-catalog-5-sources.png`) });
    });
  });
});
