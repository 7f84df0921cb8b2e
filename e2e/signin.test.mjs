// Sign-in end to end: the real app in headless Chromium against real pd-sandbox processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup as setupWith, signIn, storedSession, freePort, assertTokenContained } from './lib.mjs';

/** PagerDuty forgets this tab's refresh and access tokens, behind the app's back. */
async function forgetTokens(t) {
  const s = await storedSession(t.page);
  for (const token of [s.refresh_token, s.access_token]) {
    const r = await fetch(`${t.sb.identity}/oauth/revoke`, { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: 'pdscope-local' }) });
    assert.equal(r.status, 200);
  }
}

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
const setup = (opts) => setupWith(browser, opts);

test('sign in as the seeded admin, consent, land signed in', async () => {
  // PagerDuty's answer may carry subdomain and service_region: they leave the address bar too.
  const t = await setup({ args: ['--callback-params', 'subdomain,service_region'] });
  try {
    await t.page.goto(t.web.url);
    const started = Date.now();
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    await t.page.getByText('Avery Admin (admin@example.com)').waitFor();
    console.log(`# sign-in took ${Date.now() - started} ms`);
    const url = new URL(t.page.url());
    assert.equal(url.pathname, '/');
    for (const p of ['code', 'state', 'iss', 'subdomain', 'service_region']) assert.ok(!url.searchParams.has(p), p);
    const s = await storedSession(t.page);
    assert.match(s.access_token, /^pdus\+_0/);
    assert.deepEqual(s.granted_scopes, ['openid', 'read']);
    assert.equal(await t.page.evaluate(() => sessionStorage.getItem('pdscope.attempts')), null, 'the attempt is consumed');
    assert.equal(t.tokenRequests.length, 1);
    await assertTokenContained(t.page, s);
    // The session survives a reload of the tab.
    await t.page.reload();
    await t.page.getByText('You are signed in.').waitFor();
  } finally { await t.close(); }
});

test('a callback without state (--drop-state) is accepted with exactly one pending attempt', async () => {
  const t = await setup({ args: ['--drop-state'] });
  try {
    await t.page.goto(t.web.url);
    const cb = await signIn(t);
    assert.ok(cb && !new URL(cb).searchParams.has('state'), cb);
    await t.page.getByText('You are signed in.').waitFor();
  } finally { await t.close(); }
});

test('denying consent ends on a clear page with "Sign in again", and no token request', async () => {
  const t = await setup();
  try {
    await t.page.goto(t.web.url);
    await signIn(t, { decision: 'Deny' });
    await t.page.getByText('You declined the request').waitFor();
    await t.page.getByRole('button', { name: 'Sign in again' }).waitFor();
    assert.equal(t.tokenRequests.length, 0);
    assert.ok(!t.page.url().includes('error='), 'error parameters are stripped');
  } finally { await t.close(); }
});

test('reloading or reopening the callback URL says the link expired and sends no token request', async () => {
  const t = await setup();
  try {
    await t.page.goto(t.web.url);
    const cb = await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    assert.equal(t.tokenRequests.length, 1);
    await t.page.goto(cb);
    await t.page.getByText('This sign-in link has expired or was already used').waitFor();
    // In another tab (no attempt there) the same link is refused too.
    const other = await t.page.context().newPage();
    await other.goto(cb);
    await other.getByRole('button', { name: 'Sign in again' }).waitFor();
    assert.equal(t.tokenRequests.length, 1, 'no second token request');
    await other.close();
    // Parameters in the fragment are an explicit error, not a hang.
    await t.page.goto(t.web.url);
    await t.page.goto(t.web.origin + '/callback#code=abc&state=def');
    await t.page.getByText('arrived in the URL fragment').waitFor();
  } finally { await t.close(); }
});

test('sign-in returns to the page it started from', async () => {
  const t = await setup();
  try {
    await signIn(t, { from: '/users?query=ada' });
    await t.page.waitForURL(t.web.origin + '/users?query=ada');
    await t.page.getByRole('heading', { name: 'Users' }).waitFor();
  } finally { await t.close(); }
});

test('works under a sub-path', async () => {
  const t = await setup({ base: '/tools/pdscope/' });
  try {
    await signIn(t, { from: '/tools/pdscope/services' });
    await t.page.waitForURL(t.web.origin + '/tools/pdscope/services');
    await t.page.getByText('Avery Admin (admin@example.com)').waitFor();
  } finally { await t.close(); }
});

test('a short --token-ttl: the app refreshes on its own and keeps working', async () => {
  const t = await setup({ args: ['--token-ttl', '5'] });
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    const first = await storedSession(t.page);
    await t.page.waitForFunction(() => JSON.parse(sessionStorage.getItem('pdscope.session') ?? '{}').rotations >= 2, null, { timeout: 20000 });
    const later = await storedSession(t.page);
    assert.notEqual(later.access_token, first.access_token);
    assert.notEqual(later.refresh_token, first.refresh_token);
    // The old access token has expired; the new one works.
    const me = await fetch(t.sb.api + '/users/me', { headers: { Authorization: `Bearer ${later.access_token}` } });
    assert.equal(me.status, 200);
    await t.page.reload();
    await t.page.getByText('Avery Admin (admin@example.com)').waitFor();
    await assertTokenContained(t.page, later);
  } finally { await t.close(); }
});

test('sign out clears the tab and revokes: the sandbox then refuses the token', async () => {
  const t = await setup();
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    await t.page.getByRole('button', { name: 'Sign out' }).click();
    await t.page.getByText('Signed out, and PagerDuty revoked the token.').waitFor();
    assert.equal(await storedSession(t.page), null);
    await t.page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
    const me = await fetch(t.sb.api + '/users/me', { headers: { Authorization: `Bearer ${s.access_token}` } });
    assert.equal(me.status, 401);
    const refresh = await fetch(t.sb.identity + '/oauth/token', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refresh_token, client_id: 'pdscope-local' }),
    });
    assert.equal((await refresh.json()).error, 'invalid_grant');
  } finally { await t.close(); }
});

test('a Scoped app without the relay gets invalid_client, explained', async () => {
  const t = await setup({ args: ['--app-type', 'scoped', '--client-secret', 'sekrit'], config: { scopes: ['services.read'] } });
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('pd-token-relay').waitFor();
    await t.page.getByRole('button', { name: 'Sign in again' }).waitFor();
  } finally { await t.close(); }
});

test('an unreachable token endpoint is its own error', async () => {
  const dead = await freePort();
  const t = await setup({ config: { token_url: `http://127.0.0.1:${dead}/oauth/token` } });
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('The token endpoint could not be reached').waitFor();
  } finally { await t.close(); }
});

for (const [label, flags] of [['a JSON 401', []], ['a plain-text 401 (as PagerDuty was seen to send)', ['--plain-401']]]) test(`${label} from the API triggers one refresh and one retry (SECURITY.md rule 17)`, async () => {
  const t = await setup({ args: ['--users', '25', ...flags] });
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    // Revoke only the access token behind the app's back; the refresh token stays good.
    const r = await fetch(`${t.sb.identity}/oauth/revoke`, { method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: s.access_token, client_id: 'pdscope-local' }) });
    assert.equal(r.status, 200);
    const before = t.tokenRequests.length;
    await t.page.getByRole('link', { name: 'Users', exact: true }).first().click();
    await t.page.getByText('25 users', { exact: true }).waitFor({ timeout: 30000 });
    const after = await storedSession(t.page);
    assert.notEqual(after.access_token, s.access_token);
    assert.equal(after.rotations, 1);
    assert.equal(t.tokenRequests.length - before, 1, 'exactly one refresh');
  } finally { await t.close(); }
});

test('an identity service that is down gets a few spaced refreshes, not one a second; Retry recovers', async () => {
  const t = await setup({ args: ['--token-ttl', '5'] });
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    // The token endpoint becomes unreachable for a minute.
    let attempts = 0;
    const down = (route) => { attempts += 1; return route.abort('connectionrefused'); };
    await t.page.route(t.sb.identity + '/oauth/token', down);
    await t.page.waitForTimeout(60000);
    assert.ok(attempts >= 1, 'it did try');
    assert.ok(attempts <= 8, `${attempts} token requests in a minute`);
    const alert = t.page.getByRole('alert').filter({ hasText: 'Could not refresh the session' });
    await alert.waitFor();
    // Once it is back, the next attempt (the person's Retry) succeeds and the session goes on.
    await t.page.unroute(t.sb.identity + '/oauth/token', down);
    const before = attempts;
    await alert.getByRole('button', { name: 'Retry' }).click();
    await alert.waitFor({ state: 'detached' });
    assert.equal(attempts, before, 'no request went to the dead route after it was lifted');
    const s = await storedSession(t.page);
    assert.ok(s.rotations >= 1, `rotations ${s.rotations}`);
    const me = await fetch(t.sb.api + '/users/me', { headers: { Authorization: `Bearer ${s.access_token}` } });
    assert.equal(me.status, 200);
  } finally { await t.close(); }
});

test('sign-out clears every key of the tab, and a refresh landing after it is revoked', async () => {
  const t = await setup();
  try {
    await signIn(t, { from: '/token' });
    await t.page.getByRole('button', { name: 'Refresh now' }).waitFor();
    await t.page.evaluate(() => sessionStorage.setItem('pdscope.imported_client_id', 'pdscope-local'));
    // The refresh reaches the server at once but its answer is slow: sign-out happens while
    // it is in flight, after the server has already issued new tokens.
    const slow = async (route) => {
      const answer = await route.fetch();
      await new Promise((r) => setTimeout(r, 1500));
      await route.fulfill({ response: answer });
    };
    await t.page.route(t.sb.identity + '/oauth/token', slow);
    const revoked = [];
    t.page.on('request', (r) => { if (r.url().startsWith(t.sb.identity + '/oauth/revoke')) revoked.push(new URLSearchParams(r.postData() ?? '').get('token')); });
    const answer = t.page.waitForResponse((r) => r.url().startsWith(t.sb.identity + '/oauth/token'));
    await t.page.getByRole('button', { name: 'Refresh now' }).click();
    await t.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const late = await (await answer).json();
    assert.ok(late.access_token && late.refresh_token, 'the late refresh brought tokens');
    for (let i = 0; i < 50 && !(revoked.includes(late.refresh_token) && revoked.includes(late.access_token)); i++) {
      await t.page.waitForTimeout(100);
    }
    assert.ok(revoked.includes(late.refresh_token), 'the late refresh token is revoked');
    assert.ok(revoked.includes(late.access_token), 'the late access token is revoked');
    const me = await fetch(t.sb.api + '/users/me', { headers: { Authorization: `Bearer ${late.access_token}` } });
    assert.equal(me.status, 401);
    const keys = await t.page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('pdscope.')));
    assert.deepEqual(keys, []);
  } finally { await t.close(); }
});

test('an EU account: no region in config.json, none in the callback; the id_token\'s aud decides', async () => {
  const deadUs = `http://127.0.0.1:${await freePort()}`;
  const t = await setup({
    args: ['--region', 'eu'],
    config: (sb) => ({ api_url: null, api_url_us: deadUs, api_url_eu: sb.api }),
  });
  try {
    const usRequests = [];
    t.page.on('request', (r) => { if (r.url().startsWith(deadUs)) usRequests.push(r.url()); });
    await t.page.goto(t.web.url);
    const callback = await signIn(t);
    assert.ok(!/service_region|subdomain/.test(callback), `a bare callback: ${callback}`);
    await t.page.getByText(`EU (${t.sb.api}), from the id_token`).waitFor();
    const nav = t.page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Services' }).click();
    await t.page.getByText('40 services', { exact: true }).waitFor({ timeout: 30000 });
    await nav.getByRole('link', { name: 'Token' }).click();
    await t.page.getByText('EU, from the id_token (its aud names the API)').waitFor();
    assert.deepEqual(usRequests, [], 'nothing went to the US API');
    const s = await storedSession(t.page);
    assert.equal(s.api_url, t.sb.api);
  } finally { await t.close(); }
});

test('a refused refresh ends the session as sign-out does: the hidden importer goes, the tab is cleared but for its app', async () => {
  const t = await setup();
  const importInMain = () => t.page.evaluate(() => [...document.querySelectorAll('#main h1')].some((h) => h.textContent.trim() === 'Import'));
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    await t.page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
    // Home, in the page: the importer's box stays, hidden (a run would go on).
    await t.page.locator('a.brand').click();
    await t.page.getByText('You are signed in.').waitFor();
    assert.ok(await importInMain(), 'the importer is kept while its page is not shown');
    await t.page.evaluate(() => {
      sessionStorage.setItem('pdscope.bulk.journal', '{}');
      sessionStorage.setItem('pdscope.imported_client_id', 'pdscope-local');
    });
    // PagerDuty forgets both tokens behind the app's back: the next API call gets a 401 and
    // the refresh it triggers is refused (invalid_grant).
    await forgetTokens(t);
    await t.page.getByRole('link', { name: 'Users', exact: true }).first().click();
    await t.page.getByText('Your PagerDuty session ended (the refresh token is no longer valid). Sign in again.').waitFor();
    await t.page.waitForFunction(() => ![...document.querySelectorAll('#main h1')].some((h) => h.textContent.trim() === 'Import'));
    const keys = await t.page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('pdscope.')));
    assert.deepEqual(keys, ['pdscope.imported_client_id'], 'only the tab\'s app is kept');
    await t.page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
  } finally { await t.close(); }
});

test('a session PagerDuty no longer accepts: Home says so as the page opens, never "You are signed in"', async () => {
  const t = await setup();
  try {
    await t.page.goto(t.web.url);
    await signIn(t);
    await t.page.getByText('You are signed in.').waitFor();
    await forgetTokens(t);
    // A new visit to Home: the header asks who is signed in, gets a 401, and the refresh is refused.
    await t.page.reload();
    await t.page.getByText('Your PagerDuty session ended (the refresh token is no longer valid). Sign in again.').waitFor();
    await t.page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
    assert.equal(await t.page.getByText('You are signed in.').count(), 0);
  } finally { await t.close(); }
});
