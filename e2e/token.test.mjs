// The token inspector end to end: after sign-in, after a refresh, and after revocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup as setupWith, signIn, storedSession, assertTokenContained } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
const setup = (opts) => setupWith(browser, opts);

test('the inspector shows everything, masked until asked; refresh and revoke work from it', async () => {
  const t = await setup({ args: ['--expose-rate-limit-headers'] });
  try {
    await signIn(t, { from: '/token' });
    await t.page.waitForURL(t.web.origin + '/token');
    await t.page.getByRole('heading', { name: 'Token', exact: true }).waitFor();
    const s = await storedSession(t.page);
    // Masked by default: never the full token in the page.
    await assertTokenContained(t.page, s);
    const masked = s.access_token.slice(0, 8) + '…' + s.access_token.slice(-4);
    await t.page.getByText(masked, { exact: true }).waitFor();
    const main = await t.page.textContent('main');
    for (const want of ['granted, not requested', 'openid', 'Classic User OAuth: read everything', 'sandbox',
      'id_token: JWT, decoded locally, signature not verified', 'Rotations so far', 'Token request', 'Token response (HTTP 200)']) {
      assert.ok(main.includes(want), `inspector shows "${want}"`);
    }
    assert.match(main, /Access token: opaque/);
    // The curl command is masked until copied.
    assert.match(await t.page.locator('pre').first().textContent(), new RegExp(`Authorization: Bearer ${masked.replace('+', '\\+')}`));
    // Send shows status, rate-limit headers and body.
    await t.page.getByRole('button', { name: 'Send' }).click();
    await t.page.getByText('HTTP 200', { exact: true }).waitFor();
    assert.match(await t.page.textContent('main'), /ratelimit-remaining/);
    assert.match(await t.page.textContent('main'), /Avery Admin/);
    // Reveal is a deliberate act.
    await t.page.getByRole('button', { name: 'Reveal' }).click();
    await t.page.getByText(s.access_token, { exact: true }).waitFor();
    await t.page.getByRole('button', { name: 'Hide' }).click();
    // Refresh now rotates the tokens.
    await t.page.getByRole('button', { name: 'Refresh now' }).click();
    await t.page.getByText('Refreshed: new access and refresh tokens.').waitFor();
    const after = await storedSession(t.page);
    assert.equal(after.rotations, 1);
    assert.notEqual(after.access_token, s.access_token);
    await t.page.getByText('Refresh (rotation 1)').waitFor();
    await assertTokenContained(t.page, after);
    // Revoke and sign out.
    await t.page.getByRole('button', { name: 'Revoke and sign out' }).click();
    await t.page.getByText('Signed out, and PagerDuty revoked the token.').waitFor();
    const me = await fetch(t.sb.api + '/users/me', { headers: { Authorization: `Bearer ${after.access_token}` } });
    assert.equal(me.status, 401);
    await t.page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
  } finally { await t.close(); }
});
