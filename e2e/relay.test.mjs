// A Scoped OAuth app through pd-token-relay: the browser never holds the secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, startSandbox, startStatic, sandboxConfig, startRelay, freePort, signIn, storedSession, assertTokenContained } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SECRET = 'relay-e2e-secret-value';

test('scoped sign-in, services, the missing-scope 403, refresh and sign-out, all through the relay', async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const sb = await startSandbox(['--redirect-uri', `${origin}/callback`, '--app-type', 'scoped', '--client-secret', SECRET,
    '--app-scopes', 'services.read', '--services', '150', '--users', '20', '--token-ttl', '6']);
  const relay = await startRelay({ identity: sb.identity, origin, secret: SECRET });
  const web = await startStatic({ port, config: sandboxConfig(sb, {
    scopes: ['services.read', 'users.read'], token_url: relay.url + '/oauth/token', revoke_url: relay.url + '/oauth/revoke' }) });
  const page = await newPage(browser);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /\/oauth\/(token|revoke)/.test(r.url())) posts.push(r.url()); });
  const t = { sb, web, page };
  try {
    await page.goto(web.url);
    await signIn(t);
    await page.getByText('You are signed in.').waitFor();
    assert.match(await page.textContent('main'), /PagerDuty did not grant: users\.read/);
    await page.goto(web.origin + '/services');
    await page.getByText('150 services', { exact: true }).waitFor({ timeout: 30000 });
    await page.goto(web.origin + '/users');
    await page.getByText('This token lacks users.read. It has: openid services.read.').waitFor();
    // users.read was asked for and PagerDuty left it out: the registration lacks it, so no
    // button that would only loop through consent back to this page.
    await page.getByText("This app's registration in PagerDuty does not include users.read").waitFor();
    assert.equal(await page.getByRole('button', { name: /Sign in again with/ }).count(), 0);
    // The access token lives 6 s: the app refreshes through the relay on its own.
    await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('pdscope.session') ?? '{}').rotations >= 1, null, { timeout: 20000 });
    const s = await storedSession(page);
    await assertTokenContained(page, s);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out, and PagerDuty revoked the token.').waitFor();
    const me = await fetch(sb.api + '/services', { headers: { Authorization: `Bearer ${s.access_token}` } });
    assert.equal(me.status, 401);
    assert.ok(posts.length >= 4, posts.join('\n'));
    assert.ok(posts.every((u) => u.startsWith(relay.url)), `every token POST went to the relay:\n${posts.join('\n')}`);
    // The secret never reached the page, and the relay logged no token.
    assert.ok(!(await page.content()).includes(SECRET));
    assert.ok(!relay.output().includes(SECRET) && !relay.output().includes('pdus+'), relay.output());
  } finally {
    await page.context().close(); await web.stop(); await relay.stop(); await sb.stop();
  }
});

test('strict includes: the blog\'s app (services.read users.read) still sees a service and a user, and is told which scope would show more', async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const sb = await startSandbox(['--redirect-uri', `${origin}/callback`, '--app-type', 'scoped', '--client-secret', SECRET,
    '--app-scopes', 'services.read users.read', '--strict-includes', '--services', '30', '--users', '20']);
  const relay = await startRelay({ identity: sb.identity, origin, secret: SECRET });
  const web = await startStatic({ port, config: sandboxConfig(sb, {
    scopes: ['services.read', 'users.read'], token_url: relay.url + '/oauth/token', revoke_url: relay.url + '/oauth/revoke' }) });
  const page = await newPage(browser);
  const t = { sb, web, page };
  try {
    await page.goto(web.origin + '/services');
    await signIn(t);
    await page.getByText('30 services', { exact: true }).waitFor({ timeout: 30000 });
    await page.locator('tbody a').first().click();
    await page.getByRole('link', { name: '← All services' }).waitFor();
    await page.getByText('Some details are not shown: this token lacks teams.read.').waitFor();
    await page.getByRole('button', { name: 'Sign in again with teams.read' }).waitFor();
    assert.match(await page.locator('dl.facts').textContent(), /Escalation policy/);
    await page.goto(web.origin + '/users');
    await page.getByText('20 users', { exact: true }).waitFor({ timeout: 30000 });
    await page.locator('tbody a').first().click();
    await page.getByRole('heading', { name: 'Contact methods' }).waitFor();
    await page.getByText(/Some details are not shown: this token lacks (teams\.read|users:contact_methods\.read)/).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'the user is shown, not an error');
  } finally {
    await page.context().close(); await web.stop(); await relay.stop(); await sb.stop();
  }
});
