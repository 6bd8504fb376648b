// Buying from the feed in a phone-sized Chromium against a server with demo data: a new shopper follows
// Seoul Stitch, taps a product tag on its post in the home feed, picks a size in the product sheet and
// buys with the test card without leaving the feed; the merchant ships and delivers the order; the
// shopper then reviews the product with a photo, which shows on the product page.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, snap, withPhone, andWaitForNewPage } from '../lib/browser.mjs';

const PASSWORD = 'correct horse battery';
const DEMO_PASSWORD = 'souk-demo';
const SHOP = 'seoul-stitch';
const MERCHANT = 'seoul_stitch';
const TEST_TIMEOUT = 300_000;

/** A small PNG drawn by the browser itself, saved where the file input can pick it up. */
async function photoFile(page) {
  const dataUrl = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = '#c9a27e';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#5b3a29';
    g.fillRect(80, 60, 160, 120);
    return c.toDataURL('image/png');
  });
  const file = path.join(os.tmpdir(), `souk-review-${randomBytes(4).toString('hex')}.png`);
  writeFileSync(file, Buffer.from(dataUrl.split(',')[1], 'base64'));
  return file;
}

describe('buying from the feed (demo data)', () => {
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

  test('tap a tag, pick a size, buy in the sheet; after delivery, review with a photo', { timeout: TEST_TIMEOUT }, async () => {
    const base = server.url;
    const user = `feed_${randomBytes(4).toString('hex')}`;
    let orderId;
    let productId;

    await withPhone(browser, 'shoppable-shopper', async (page) => {
      await page.goto(`${base}/signup`);
      await page.fill('#username', user);
      await page.fill('#email', `${user}@example.com`);
      await page.fill('#password', PASSWORD);
      await page.check('input[name="kind"][value="personal"]');
      await andWaitForNewPage(page, () => page.locator('form[action="/signup"] button[type="submit"]').click());

      await page.goto(`${base}/u/${MERCHANT}`);
      await andWaitForNewPage(page, () => page.locator(`form[action="/u/${MERCHANT}/follow"] button`).click());

      // The home feed: Seoul Stitch's posts carry product tags and the shopping-bag badge.
      await page.goto(`${base}/`);
      const feedUrl = page.url();
      const post = page.locator('article.post', { has: page.locator('a.tag-dot') }).first();
      await post.scrollIntoViewIfNeeded();
      assert.ok(await post.locator('[data-show-tags]').count(), 'a tagged post shows the bag badge');
      await post.locator('[data-show-tags]').click();
      assert.equal(await post.locator('.carousel.tags-on').count(), 1, 'the badge shows every tag');
      await post.locator('[data-show-tags]').click();

      // Try the feed's tags, post by post, until one opens a product sold in sizes.
      const tagged = page.locator('article.post', { has: page.locator('a.tag-dot') });
      const posts = await tagged.count();
      let opened = false;
      for (let p = 0; p < posts && !opened; p += 1) {
        const dots = tagged.nth(p).locator('a.tag-dot');
        const n = await dots.count();
        for (let i = 0; i < n && !opened; i += 1) {
          const dot = dots.nth(i);
          await dot.scrollIntoViewIfNeeded();
          // The first tap shows the name and price on the photo …
          await dot.click();
          await page.waitForFunction((el) => el.classList.contains('open'), await dot.elementHandle());
          assert.ok((await dot.locator('.tag-price').textContent()).trim().length > 0, 'the tag shows a price');
          if (p === 0 && i === 0) await snap(page, 'shoppable-1-tag-label');
          // … the second opens the product sheet over the feed.
          await dot.click();
          const sheet = page.locator('dialog.sheet[open] [data-sheet-body]');
          await sheet.waitFor();
          if (await sheet.locator('form[data-sheet-picker] input[value="M"]').count()) {
            opened = true;
          } else {
            await page.locator('dialog.sheet [data-sheet-close]').first().click();
            await page.locator('dialog.sheet[open]').waitFor({ state: 'detached' }).catch(() => {});
          }
        }
      }
      assert.ok(opened, 'one of the tags opens a product sold in sizes');
      await snap(page, 'shoppable-2-sheet');

      // Pick size M: the sheet reloads in place with that variant.
      const sheet = page.locator('dialog.sheet[open]');
      await sheet.locator('label.option-value', { has: page.locator('input[value="M"]') }).first().click();
      await page.waitForFunction(() => {
        const v = document.querySelector('dialog.sheet [data-testid="sheet-variant"]');
        return v && /(^|\W)M($|\W)/.test(v.textContent);
      });
      productId = /products\/(\d+)/.exec(await sheet.locator('.sheet-more a').first().getAttribute('href'))[1];

      // Buy now: checkout inside the sheet, shipped to Korea, paid with the test card.
      await sheet.locator('[data-testid="sheet-buy"]').click();
      await sheet.locator('form.checkout-form').waitFor();
      const country = sheet.locator('form.ship-to input[name="country"]');
      if ((await country.inputValue()) !== 'KR') {
        await country.fill('KR');
        await sheet.locator('form.ship-to button[type="submit"]').click();
        await page.waitForFunction(() => {
          const c = document.querySelector('dialog.sheet form.checkout-form input[name="country"]');
          return c && c.value === 'KR';
        });
      }
      const form = sheet.locator('form.checkout-form');
      await form.locator('#a-name').fill('김피드');
      await form.locator('#a-line1').fill('성수이로 20');
      await form.locator('#a-city').fill('서울');
      await form.locator('#a-postal').fill('04783');
      await form.locator('input[name="provider"][value="test"]').check();
      await form.locator('#card').fill('4242 4242 4242 4242');
      await snap(page, 'shoppable-3-sheet-checkout');
      await form.locator('button[type="submit"]').click();
      await sheet.locator('[data-testid="sheet-done"]').waitFor();
      await snap(page, 'shoppable-4-sheet-done');
      assert.equal(page.url(), feedUrl, 'the shopper never left the feed');
      orderId = /\/orders\/(\d+)/.exec(await sheet.locator('[data-testid="sheet-order-link"]').getAttribute('href'))[1];
    });

    // The merchant ships and delivers it.
    await withPhone(browser, 'shoppable-merchant', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', MERCHANT);
      await page.fill('#password', DEMO_PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      await page.goto(`${base}/s/${SHOP}/orders/${orderId}`);
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-paid');
      const fulfil = page.locator(`form[action="/s/${SHOP}/orders/${orderId}/fulfil"]`);
      await fulfil.locator('#f-track').fill(`CJ${randomBytes(4).toString('hex').toUpperCase()}`);
      await andWaitForNewPage(page, () => fulfil.locator('button[type="submit"]').click());
      await andWaitForNewPage(page, () => page.locator(`form[action="/s/${SHOP}/orders/${orderId}/deliver"] button`).click());
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-delivered');
    });

    // The shopper reviews it with a photo.
    await withPhone(browser, 'shoppable-review', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', user);
      await page.fill('#password', PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      await page.goto(`${base}/orders/${orderId}`);
      await andWaitForNewPage(page, () => page.locator(`a[href="/orders/${orderId}/reviews"]`).click());
      await andWaitForNewPage(page, () => page.locator(`a[href^="/products/${productId}/reviews/new"]`).first().click());
      const form = page.locator(`form[action="/products/${productId}/reviews/new"]`);
      await form.locator('input[name="rating"][value="5"]').check({ force: true });
      await form.locator('#title').fill('Fits like a dream');
      await form.locator('textarea').first().fill('Soft, warm and true to size. Bought it straight from a post.');
      await form.locator('#images').setInputFiles(await photoFile(page));
      await andWaitForNewPage(page, () => form.locator('button[type="submit"]').click());
      await page.goto(`${base}/products/${productId}`);
      const review = page.locator('.review', { hasText: 'Fits like a dream' });
      await review.first().waitFor();
      assert.ok(await review.first().locator('img').count(), 'the review shows its photo');
      await snap(page, 'shoppable-5-review');
    });
  });
});
