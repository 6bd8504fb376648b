// Account journeys in a phone-sized Chromium: sign up, log out and in, switch language, tokens.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, snap, withPhone, andWaitForNewPage } from '../lib/browser.mjs';

const PASSWORD = 'correct horse battery';
const TEST_TIMEOUT = 120_000;

/** A fresh username (letters, digits, underscores; at most 30 characters). */
function username(prefix) {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Submits a form by clicking its button and waits for the resulting page to be at `url`. */
async function submitAndWait(page, button, url) {
  await Promise.all([page.waitForURL(url, { waitUntil: 'load' }), button.click()]);
}

async function signUp(page, base, { user, kind, displayName }) {
  await page.goto(`${base}/signup`);
  await page.fill('#username', user);
  if (displayName) await page.fill('#display_name', displayName);
  await page.fill('#email', `${user}@example.com`);
  await page.fill('#password', PASSWORD);
  await page.check(`input[name="kind"][value="${kind}"]`);
  await submitAndWait(page, page.locator('form[action="/signup"] button[type="submit"]'), /\/settings\?welcome=1$/);
  await page.waitForSelector('[data-testid="current-user"]');
}

/**
 * Runs `action` (a click that submits a form) and waits until a new document has replaced the current
 * one and finished loading, whatever its URL: works when the answer is the same page re-rendered.
 */
async function logIn(page, base, login, password) {
  await page.goto(`${base}/login`);
  await page.fill('#login', login);
  await page.fill('#password', password);
  await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
}

/** Picks a language in the footer switcher (submitted by app.js on change) and waits for the new page. */
async function switchLanguage(page, tag) {
  await andWaitForNewPage(page, () => page.selectOption('#lang-select', tag));
  assert.equal(await page.getAttribute('html', 'lang'), tag);
}

describe('accounts in the browser', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('sign up as a business, log out, log in, switch language', { timeout: TEST_TIMEOUT }, async () => {
    await withPhone(browser, 'signup-journey', async (page) => {
      const base = server.url;
      const user = username('shop');

      await page.goto(`${base}/signup`);
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await page.fill('#username', user);
      await page.fill('#display_name', 'Corner Shop');
      await page.fill('#email', `${user}@example.com`);
      await page.fill('#password', PASSWORD);
      await page.check('input[name="kind"][value="business"]');
      await snap(page, 'account-1-signup-form');
      await submitAndWait(page, page.locator('form[action="/signup"] button[type="submit"]'), /\/settings\?welcome=1$/);

      // Signed in on the settings page, welcomed, as a business account.
      const who = page.getByTestId('current-user');
      await who.waitFor();
      assert.equal((await who.textContent()).trim(), `@${user}`);
      await page.locator('p.notice[role="status"]').waitFor();
      assert.equal(await page.inputValue('#s-username'), user);
      assert.equal(await page.inputValue('#s-kind'), 'business');
      await snap(page, 'account-2-settings-after-signup');

      // Log out from the header.
      await submitAndWait(page, page.getByRole('button', { name: 'Log out' }), `${base}/`);
      assert.equal(await page.getByTestId('current-user').count(), 0);
      await page.locator('.account a[href="/login"]').waitFor();

      // Log in again through the form (by email this time).
      await logIn(page, base, `${user}@example.com`, PASSWORD);
      assert.equal(page.url(), `${base}/`);
      assert.equal((await page.getByTestId('current-user').textContent()).trim(), `@${user}`);

      // Korean through the footer switcher.
      await page.goto(`${base}/settings`);
      await switchLanguage(page, 'ko');
      assert.equal(new URL(page.url()).pathname, '/settings', 'the switcher returns to the same page');
      // Bottom-nav links read "<icon><label>", so match the link, not an exact text node.
      const bottomNav = page.locator('nav.bottomnav');
      assert.match(await bottomNav.locator('a[href="/"]').innerText(), /홈/);
      assert.match(await bottomNav.locator('a[href="/notifications"]').innerText(), /알림/);
      assert.equal((await page.locator('h1').first().textContent()).trim(), '설정');
      assert.match(await page.locator('header').innerText(), /로그아웃/);
      assert.equal(await page.inputValue('#lang-select'), 'ko');
      await snap(page, 'account-3-settings-korean');

      // The choice sticks across pages for this browser.
      await page.goto(`${base}/`);
      assert.equal(await page.getAttribute('html', 'lang'), 'ko');

      // And back to English.
      await switchLanguage(page, 'en');
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      assert.match(await page.locator('nav.bottomnav a[href="/"]').innerText(), /Home/);
      assert.equal((await page.getByTestId('current-user').textContent()).trim(), `@${user}`);
    });
  });

  test('a wrong password shows an error and stays on the login page', { timeout: TEST_TIMEOUT }, async () => {
    await withPhone(browser, 'wrong-password', async (page) => {
      const base = server.url;
      const user = username('mina');
      await signUp(page, base, { user, kind: 'personal' });
      await submitAndWait(page, page.getByRole('button', { name: 'Log out' }), `${base}/`);

      await logIn(page, base, user, 'not the password');
      await snap(page, 'login-wrong-password');
      assert.equal(new URL(page.url()).pathname, '/login');
      const heading = (await page.locator('h1').first().textContent()).trim();
      assert.equal(heading, 'Log in', 'the login form is shown again, not an error page');
      const alert = page.locator('p.alert[role="alert"]');
      assert.equal(await alert.count(), 1, 'the form shows one error message');
      assert.equal((await alert.textContent()).trim(), 'The username, email or password is incorrect.');
      assert.equal(await page.getByTestId('current-user').count(), 0);
      // What was typed as the login is kept; the password is not.
      assert.equal(await page.inputValue('#login'), user);
      assert.equal(await page.inputValue('#password'), '');
    });
  });

  test('settings creates a personal access token, shows it once, and revokes it', { timeout: TEST_TIMEOUT }, async () => {
    await withPhone(browser, 'tokens', async (page) => {
      const base = server.url;
      const user = username('dev');
      await signUp(page, base, { user, kind: 'creator' });

      await page.goto(`${base}/settings#tokens`);
      const tokens = page.locator('section#tokens');
      assert.equal(await tokens.locator('table.tokens').count(), 0, 'a new account has no tokens');

      await tokens.locator('#token-name').fill('CI script');
      await tokens.locator('#token-expiry').selectOption('30');
      await andWaitForNewPage(page, () => tokens.locator('form[action="/settings/tokens"] button[type="submit"]').click());

      const secret = page.getByTestId('new-token');
      await secret.waitFor();
      const value = (await secret.textContent()).trim();
      assert.ok(value.length >= 20, `token looks like a secret: ${JSON.stringify(value)}`);
      const rows = page.locator('table.tokens tbody tr');
      assert.equal(await rows.count(), 1);
      assert.match(await rows.first().innerText(), /CI script/);
      assert.ok(!(await page.locator('table.tokens').innerText()).includes(value), 'the table never shows the secret');
      await snap(page, 'tokens-1-created');

      // The token works against the API.
      // Plain fetch, without the browser's session cookie.
      const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${value}` } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).username, user);

      // Shown once: a fresh load of settings no longer has it.
      await page.goto(`${base}/settings`);
      assert.equal(await page.getByTestId('new-token').count(), 0);
      assert.ok(!(await page.content()).includes(value));

      await submitAndWait(
        page,
        page.locator('table.tokens tbody tr').first().getByRole('button'),
        /\/settings\?saved=token_revoked/,
      );
      assert.equal(await page.locator('table.tokens tbody tr').count(), 0);
      await page.locator('section#tokens').getByText('You have no access tokens.', { exact: true }).waitFor();
      await snap(page, 'tokens-2-revoked');

      const revoked = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${value}` } });
      assert.equal(revoked.status, 401);
    });
  });
});
