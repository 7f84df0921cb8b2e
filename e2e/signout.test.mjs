// Issue #24: the pages of the on-demand module (Import, the token inspector) after sign-out.
// They used to go blank: the module was unloaded and nothing took its place, so the only way
// to sign in again was to pick another page. Now they show the sign-in prompt every page
// shows when signed out, and signing in from it brings the page back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup as setupWith, signIn } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
const setup = (opts) => setupWith(browser, opts);

for (const [path, title, ready] of [
  ['/import', 'Import', 'What to do'],
  ['/token', 'Token', 'Revoke and sign out'],
]) {
  test(`signing out on ${path} shows the sign-in prompt, and signing in brings ${title} back`, async () => {
    const t = await setup();
    try {
      await signIn(t, { from: '/' });
      await t.page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
      await t.page.goto(t.web.origin + path);
      await t.page.getByText(ready).first().waitFor();
      await t.page.getByRole('button', { name: 'Sign out', exact: true }).click();
      const main = t.page.locator('main');
      await main.getByRole('heading', { name: title, exact: true }).waitFor({ timeout: 5000 });
      await main.getByText(`Sign in with PagerDuty to see ${title.toLowerCase()}.`).waitFor({ timeout: 5000 });
      assert.equal(await main.getByText(ready).count(), 0, 'the signed-in page is gone');
      // The prompt signs in again and comes back to the same page, working.
      await signIn(t);
      await t.page.waitForURL(t.web.origin + path);
      await t.page.getByText(ready).first().waitFor();
    } finally { await t.close(); }
  });
}
