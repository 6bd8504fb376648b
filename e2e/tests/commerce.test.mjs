// Buying in a phone-sized Chromium against a server with demo data: a new shopper picks a colour and size
// of a Seoul Stitch sweater, adds it to the cart, checks out with the test card, and sees the order paid;
// the merchant marks it shipped with a tracking number; the shopper sees the new status and tracking.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, snap, withPhone, andWaitForNewPage } from '../lib/browser.mjs';

const PASSWORD = 'correct horse battery';
const DEMO_PASSWORD = 'souk-demo';
const SHOP = 'seoul-stitch';
const MERCHANT = 'seoul_stitch';
const TEST_TIMEOUT = 240_000;

/** Fails when the page is wider than the phone. */
async function assertFitsWidth(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${new URL(page.url()).pathname} is ${scroll} px wide on a ${client} px screen`);
}

describe('buying in the browser (demo data)', () => {
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

  test('a shopper buys a variant with the test card; the merchant ships it; the shopper sees it', { timeout: TEST_TIMEOUT }, async () => {
    const base = server.url;
    const user = `buyer_${randomBytes(4).toString('hex')}`;

    // The sweater with colour × size variants, found through the public API.
    const products = await (await fetch(`${base}/api/v1/shops/${SHOP}/products?limit=50`)).json();
    const sweater = products.items.find((p) => p.options.length === 2 && p.variants.length >= 6);
    assert.ok(sweater, 'the demo shop has a product with two option axes');
    const [colourAxis, sizeAxis] = sweater.options;
    const target = sweater.variants.find((v) => v.options[0] !== sweater.variants[0].options[0] && v.options[1] === 'M' && v.purchasable);
    assert.ok(target, 'a second-colour size M variant in stock');

    let orderUrl;
    await withPhone(browser, 'commerce-shopper', async (page) => {
      // 1. Sign up.
      await page.goto(`${base}/signup`);
      await page.fill('#username', user);
      await page.fill('#email', `${user}@example.com`);
      await page.fill('#password', PASSWORD);
      await page.check('input[name="kind"][value="personal"]');
      await andWaitForNewPage(page, () => page.locator('form[action="/signup"] button[type="submit"]').click());

      // 2. The product page: choose the colour and size (radio buttons; the page reloads on change).
      await page.goto(`${base}/products/${sweater.id}`);
      await assertFitsWidth(page);
      const picker = page.locator('form.variant-picker');
      for (const [axisIndex, value] of target.options.entries()) {
        const radioSelector = `input[type="radio"][name="o${axisIndex + 1}"][value="${value}"]`;
        const radio = picker.locator(radioSelector);
        if (!(await radio.isChecked())) {
          // People tap the visible chip; the radio inside it is styled away.
          await andWaitForNewPage(page, () => picker.locator('label.option-value', { has: page.locator(radioSelector) }).click());
        }
      }
      assert.equal(
        await page.locator('form[action="/cart/items"] input[name="variant_id"]').inputValue(),
        String(target.id),
        `the ${colourAxis}/${sizeAxis} choice selects variant ${target.id}`,
      );
      await snap(page, 'commerce-1-product');
      await andWaitForNewPage(page, () => page.locator('form[action="/cart/items"] button[type="submit"]').click());

      // 3. The cart holds the variant; check out that shop.
      await page.goto(`${base}/cart`);
      await assertFitsWidth(page);
      const cartText = await page.locator('main').textContent();
      assert.ok(cartText.includes(sweater.title), 'the cart lists the sweater');
      assert.ok(cartText.includes(target.options[0]), 'with the chosen colour');
      await snap(page, 'commerce-2-cart');
      await andWaitForNewPage(page, () => page.locator(`a[href="/checkout/${SHOP}"]`).click());

      // 4. Checkout: shipping to Korea, the test card.
      const country = page.locator('form.ship-to input[name="country"]');
      if ((await country.inputValue()) !== 'KR') {
        await country.fill('KR');
        await andWaitForNewPage(page, () => page.locator('form.ship-to button[type="submit"]').click());
      }
      const form = page.locator('form.checkout-form');
      await form.locator('#a-name').fill('김테스트');
      await form.locator('#a-line1').fill('성수이로 20');
      await form.locator('#a-city').fill('서울');
      await form.locator('#a-postal').fill('04783');
      await form.locator('input[name="provider"][value="test"]').check();
      await form.locator('#card').fill('4242 4242 4242 4242');
      const total = (await page.getByTestId('checkout-total').textContent()).trim();
      assert.match(total, /^₩[\d,]+$/, `a won total without decimals, not ${total}`);
      await assertFitsWidth(page);
      await snap(page, 'commerce-3-checkout');
      await andWaitForNewPage(page, () => form.locator('button[type="submit"]').click());

      // 5. The order page: paid.
      assert.match(page.url(), /\/orders\/\d+/);
      orderUrl = page.url();
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-paid');
      await assertFitsWidth(page);
      await snap(page, 'commerce-4-order-paid');
    });

    const orderId = /\/orders\/(\d+)/.exec(orderUrl)[1];
    const tracking = `CJ${randomBytes(4).toString('hex').toUpperCase()}`;
    // 6. The merchant ships it.
    await withPhone(browser, 'commerce-merchant', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', MERCHANT);
      await page.fill('#password', DEMO_PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      await page.goto(`${base}/s/${SHOP}/dashboard`);
      await assertFitsWidth(page);
      await snap(page, 'commerce-5-dashboard');
      await page.goto(`${base}/s/${SHOP}/orders/${orderId}`);
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-paid');
      const fulfil = page.locator(`form[action="/s/${SHOP}/orders/${orderId}/fulfil"]`);
      await fulfil.locator('#f-track').fill(tracking);
      await fulfil.locator('#f-carrier').fill('CJ대한통운');
      await andWaitForNewPage(page, () => fulfil.locator('button[type="submit"]').click());
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-fulfilled');
      await snap(page, 'commerce-6-merchant-shipped');
    });

    // 7. The shopper sees it shipped, with the tracking number.
    await withPhone(browser, 'commerce-shopper-again', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', user);
      await page.fill('#password', PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      await page.goto(orderUrl);
      assert.equal(await page.getByTestId('order-status').getAttribute('class'), 'status-pill status-fulfilled');
      assert.equal((await page.getByTestId('tracking').textContent()).trim(), tracking);
      await snap(page, 'commerce-7-shopper-shipped');
    });
  });
});
