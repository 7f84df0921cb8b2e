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
    // The user's card is shown, not an error (the on-demand box below it may name the scopes
    // its rules and roles need, as alerts of its own, once it has loaded).
    assert.equal(await page.locator('section.card:not(.user-extras)').getByRole('alert').count(), 0, 'the user is shown, not an error');
  } finally {
    await page.context().close(); await web.stop(); await relay.stop(); await sb.stop();
  }
});

test('a Scoped admin imports users: Import names every scope up front, one sign-in asks for all of them and keeps what was granted', async () => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // The app registration has everything the README lists for a Scoped app.
  const registration = 'services.read services.write escalation_policies.read users.read users.write users:contact_methods.read users:contact_methods.write teams.read teams.write abilities.read';
  const sb = await startSandbox(['--redirect-uri', `${origin}/callback`, '--app-type', 'scoped', '--client-secret', SECRET,
    '--app-scopes', registration, '--services', '20', '--users', '20']);
  const relay = await startRelay({ identity: sb.identity, origin, secret: SECRET });
  const web = await startStatic({ port, config: sandboxConfig(sb, {
    scopes: ['services.read', 'users.read'], token_url: relay.url + '/oauth/token', revoke_url: relay.url + '/oauth/revoke' }) });
  const page = await newPage(browser);
  const t = { sb, web, page };
  try {
    await page.goto(web.url);
    await signIn(t);
    await page.getByText('You are signed in.').waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    const fit = page.locator('.session-fit');
    await fit.getByText('Importing users takes these scopes, and this app\'s registration in PagerDuty must include them all: users.read users.write users:contact_methods.read users:contact_methods.write teams.read teams.write abilities.read. This session lacks users.write users:contact_methods.read users:contact_methods.write teams.read teams.write abilities.read.').waitFor();
    // One sign-in for all of them; consent again, and back to Import.
    await fit.getByRole('button', { name: 'Sign in again with users.write users:contact_methods.read users:contact_methods.write teams.read teams.write abilities.read' }).click();
    await page.waitForURL((u) => u.href.startsWith(sb.identity));
    if (await page.getByLabel('Email').count()) {
      await page.getByLabel('Email').fill('admin@example.com');
      await page.getByLabel('Password').fill('sandbox');
      await page.getByRole('button', { name: 'Sign In' }).click();
    }
    await page.getByRole('button', { name: 'Submit Consent' }).click();
    await page.waitForURL(web.origin + '/import');
    await page.getByText('What to do').waitFor();
    const s = await storedSession(page);
    // What was granted before (services.read) is kept; every scope Import named is granted.
    for (const scope of ['services.read', 'users.read', 'users.write', 'users:contact_methods.read', 'users:contact_methods.write', 'teams.read', 'teams.write', 'abilities.read']) {
      assert.ok(s.granted_scopes.includes(scope), `granted ${scope}: ${s.granted_scopes.join(' ')}`);
    }
    assert.equal(await fit.count(), 0, 'nothing left to say');
    await page.getByText('Paste CSV text instead').click();
    await page.getByLabel('CSV text').fill('name,email,country_code,phone_number,teams\nScoped One,scoped.1@example.com,44,7700900123,Scoped Team\nScoped Two,scoped.2@example.com,,,\n');
    await page.getByRole('button', { name: 'Check pasted text' }).click();
    await page.getByRole('button', { name: 'Plan against PagerDuty' }).click();
    await page.locator('.plan-summary', { hasText: '2 users: 2 create' }).waitFor({ timeout: 30000 });
    await page.getByRole('button', { name: 'Import 2 users' }).click();
    await page.locator('.run-progress', { hasText: 'Finished.' }).waitFor({ timeout: 60000 });
    assert.match(await page.locator('.run-progress').textContent(), /2 done, 0 failed/);
    const me = await fetch(sb.api + '/users?query=scoped.1%40example.com&include%5B%5D=teams', { headers: { Authorization: `Bearer ${(await storedSession(page)).access_token}` } });
    const [u] = (await me.json()).users;
    assert.equal(u.teams.length, 1);
  } finally {
    await page.context().close(); await web.stop(); await relay.stop(); await sb.stop();
  }
});
