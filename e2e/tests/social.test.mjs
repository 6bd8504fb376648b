// The social loop in a phone-sized Chromium against a server with demo data: a new user follows
// mina_kim, likes and comments on her post from the home feed, and mina sees all three in her
// notifications.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, snap, withPhone, andWaitForNewPage } from '../lib/browser.mjs';

const PASSWORD = 'correct horse battery';
const DEMO_PASSWORD = 'souk-demo';
const MINA = 'mina_kim';
const TEST_TIMEOUT = 180_000;

/** The number shown in an element, e.g. "12" → 12. */
async function numberIn(locator) {
  const text = (await locator.textContent()).trim();
  assert.match(text, /^\d+$/, `a plain number, not ${JSON.stringify(text)}`);
  return Number(text);
}

/** Fails when the page is wider than the phone: a sideways scroll, and clicks that miss under load. */
async function assertFitsWidth(page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${new URL(page.url()).pathname} is ${scroll} px wide on a ${client} px screen`);
}

/** Submits a form by clicking its button and waits for the resulting page to be at `url`. */
async function submitAndWait(page, button, url) {
  await Promise.all([page.waitForURL(url, { waitUntil: 'load' }), button.click()]);
}

describe('social flow in the browser (demo data)', () => {
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

  test('follow, like and comment; the author is notified of each', { timeout: TEST_TIMEOUT }, async () => {
    const base = server.url;
    const user = `fan_${randomBytes(4).toString('hex')}`;
    const comment = `Lovely colours, saved for later ${randomBytes(3).toString('hex')}`;

    await withPhone(browser, 'social-fan', async (page) => {
      // 1. Sign up.
      await page.goto(`${base}/signup`);
      await page.fill('#username', user);
      await page.fill('#email', `${user}@example.com`);
      await page.fill('#password', PASSWORD);
      await page.check('input[name="kind"][value="personal"]');
      await submitAndWait(page, page.locator('form[action="/signup"] button[type="submit"]'), /\/settings\?welcome=1$/);
      assert.equal((await page.getByTestId('current-user').textContent()).trim(), `@${user}`);

      // 2. Follow mina_kim from her profile.
      await page.goto(`${base}/u/${MINA}`);
      await assertFitsWidth(page);
      const followers = page.getByTestId('followers-count');
      const before = await numberIn(followers);
      const follow = page.locator(`form[action="/u/${MINA}/follow"] button[type="submit"]`);
      assert.equal((await follow.textContent()).trim(), 'Follow');
      await submitAndWait(page, follow, `${base}/u/${MINA}`);
      const unfollow = page.locator(`form[action="/u/${MINA}/unfollow"] button[type="submit"]`);
      await unfollow.waitFor();
      assert.match((await unfollow.textContent()).trim(), /^(Following|Unfollow)$/);
      assert.equal(await page.locator(`form[action="/u/${MINA}/follow"]`).count(), 0);
      assert.equal(await numberIn(followers), before + 1, 'the followers count went up by one');

      // 3. Home feed: mina's posts; like her first one (through app.js and the JSON API).
      await page.goto(`${base}/`);
      const minaPosts = page
        .locator('.feed article.post')
        .filter({ has: page.locator(`.post-head .byline a.name[href="/u/${MINA}"]`) })
        .filter({ hasNot: page.locator('.shared-by') });
      await minaPosts.first().waitFor();
      await assertFitsWidth(page);
      const post = minaPosts.first();
      const postId = await post.getAttribute('data-post');
      assert.match(postId, /^\d+$/);
      const like = post.locator(`form[action="/p/${postId}/like"] button.like`);
      assert.equal(await like.getAttribute('aria-pressed'), 'false');
      const likesBefore = await numberIn(like.locator('.n'));
      const [likeResponse] = await Promise.all([
        page.waitForResponse(
          (r) => r.url() === `${base}/api/v1/posts/${postId}/like` && r.request().method() === 'POST',
        ),
        like.click(),
      ]);
      assert.equal(likeResponse.status(), 200);
      // Updated in place: same page, pressed state and new count.
      await page.waitForFunction(
        (id) => document.querySelector(`#post-${id} button.like`)?.getAttribute('aria-pressed') === 'true',
        postId,
      );
      assert.equal(new URL(page.url()).pathname, '/');
      assert.match(await like.getAttribute('class'), /\bon\b/);
      assert.equal(await numberIn(like.locator('.n')), likesBefore + 1, 'the like count went up by one');
      assert.equal(await post.locator(`form[action="/p/${postId}/like"] input[name="on"]`).inputValue(), '0');
      await snap(page, 'social-1-feed-after-like');

      // Open the post and comment on it.
      await submitAndWait(page, post.locator(`.post-head .byline a[href="/p/${postId}"]`), `${base}/p/${postId}`);
      assert.equal(await page.locator(`#post-${postId} button.like`).getAttribute('aria-pressed'), 'true');
      // The top-level comment form, not a reply form under an existing comment.
      await assertFitsWidth(page);
      const commentForm = page.getByTestId('comment-form');
      await commentForm.locator('#comment-body').fill(comment);
      await submitAndWait(
        page,
        commentForm.locator('button[type="submit"]'),
        new RegExp(`/p/${postId}#c\\d+$`),
      );
      const mine = page.locator('#comments article.comment').filter({ hasText: comment });
      await mine.waitFor();
      assert.equal(await mine.count(), 1);
      assert.equal(await mine.locator(`.comment-body a.name[href="/u/${user}"]`).count(), 1);
      assert.equal(await mine.locator('a.mention').count(), 0, 'the comment mentions nobody');
      // Loaded again without the #c… fragment: it is still there, and Chromium does not scroll back to
      // the fragment during the full-page capture (which drew the sticky header mid-page).
      await page.goto(`${base}/p/${postId}`);
      await page.locator('#comments article.comment').filter({ hasText: comment }).waitFor();
      await snap(page, 'social-2-post-with-comment');
    });

    // 4. mina_kim, in a fresh context, sees the three notifications.
    await withPhone(browser, 'social-mina', async (page) => {
      await page.goto(`${base}/login`);
      await page.fill('#login', MINA);
      await page.fill('#password', DEMO_PASSWORD);
      await andWaitForNewPage(page, () => page.locator('form[action="/login"] button[type="submit"]').click());
      assert.equal((await page.getByTestId('current-user').textContent()).trim(), `@${MINA}`);

      const bell = page.locator('header.topbar a.bell');
      const badge = bell.locator('[data-unread]');
      await badge.waitFor();
      assert.match((await badge.textContent()).trim(), /^(\d+|99\+)$/, 'the badge shows a number');
      const unread = Number(/\((\d+)\)$/.exec(await bell.getAttribute('aria-label'))?.[1]);
      assert.ok(unread >= 3, `at least the three new notifications are unread (${unread})`);

      await submitAndWait(page, bell, `${base}/notifications`);
      await assertFitsWidth(page);
      for (const kind of ['follow', 'like', 'comment']) {
        const row = page.locator(`ul.notifs li.notif.kind-${kind}`).filter({
          has: page.locator(`.notif-text a.name[href="/u/${user}"]`),
        });
        assert.equal(await row.count(), 1, `one ${kind} notification from ${user}`);
        assert.equal((await row.locator('.notif-text a.name').first().textContent()).trim(), user);
        assert.match(await row.getAttribute('class'), /\bunread\b/, `the ${kind} notification is new`);
      }
      await snap(page, 'social-3-mina-notifications');
    });
  });
});
