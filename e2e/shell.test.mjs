import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, newPage, startStatic } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const CONFIG = { client_id: 'e2e-client', scopes: ['read'], region: 'us' };

test('the shell renders at the root and navigates', async () => {
  const web = await startStatic({ config: CONFIG });
  const page = await newPage(browser);
  try {
    await page.goto(web.url);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    assert.match(await page.textContent('main'), /e2e-client/);
    // Links change page in place (no reload: a marker on window survives) and mark the section.
    await page.evaluate(() => { window.__samePage = true; });
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL(web.origin + '/users');
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).getAttribute('aria-current'), 'page');
    assert.equal(await page.getByRole('link', { name: 'Services' }).getAttribute('aria-current'), null);
    await page.waitForFunction((t) => document.title === t, 'Users · pdscope');
    await page.getByRole('link', { name: 'Token' }).click();
    await page.getByRole('heading', { name: 'Token' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'a new page starts at its content');
    // Back and Forward.
    await page.goBack();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/users');
    await page.goForward();
    await page.getByRole('heading', { name: 'Token' }).waitFor();
    assert.equal(await page.evaluate(() => window.__samePage), true, 'no page load');
    // The skip link moves focus to the main region and stays on this page.
    await page.getByRole('link', { name: 'Skip to content' }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    assert.equal(new URL(page.url()).pathname, '/token');
    assert.equal(await page.evaluate(() => window.__samePage), true);
    await page.waitForFunction((t) => document.title === t, 'Token · pdscope');
    await page.goto(web.origin + '/nowhere');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await page.waitForFunction((t) => document.title === t, 'Not found · pdscope');
  } finally {
    await page.context().close();
    await web.stop();
  }
});

test('one build works under a sub-path, including deep links', async () => {
  const web = await startStatic({ base: '/tools/pdscope/', config: CONFIG });
  const page = await newPage(browser);
  try {
    await page.goto(web.origin + '/tools/pdscope/token');
    await page.getByRole('heading', { name: 'Token' }).waitFor();
    await page.getByRole('link', { name: 'Services' }).click();
    await page.waitForURL(web.origin + '/tools/pdscope/services');
    await page.getByRole('link', { name: 'pdscope' }).first().click();
    await page.waitForURL(web.origin + '/tools/pdscope/');
    assert.match(await page.textContent('main'), /tools\/pdscope\/callback|e2e-client/);
  } finally {
    await page.context().close();
    await web.stop();
  }
});

for (const [name, config, expected] of [
  ['missing', null, /could not be loaded \(HTTP 404\)/],
  ['empty', '', /config.json is empty/],
  ['not JSON', '{oops', /not valid JSON/],
  ['without client_id', '{"scopes":["read"]}', /"client_id" is missing/],
  ['with a client secret', '{"client_id":"a","client_secret":"s"}', /contains a client secret/],
  ['with an unknown region', '{"client_id":"a","region":"mars"}', /Unknown region "mars"/],
  ['with an http endpoint off loopback', '{"client_id":"a","token_url":"http://idp.example/token"}', /plain http/],
]) {
  test(`a config.json ${name} shows the setup screen`, async () => {
    const web = await startStatic({ config });
    const page = await newPage(browser);
    try {
      await page.goto(web.url);
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.textContent(), expected);
      assert.match(await alert.textContent(), /"client_id"/, 'shows a valid example');
      assert.ok(!page.consoleLines.some((l) => l.startsWith('pageerror')), page.consoleLines.join('\n'));
    } finally {
      await page.context().close();
      await web.stop();
    }
  });
}

test('importing PagerDuty\'s credentials file takes the client id and never keeps the secret', async () => {
  const web = await startStatic({ config: null });
  const page = await newPage(browser);
  try {
    await page.goto(web.url);
    await page.getByRole('alert').waitFor();
    const file = { name: 'pagerduty-app.json', mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ client_id: 'imported-123', client_secret: 'pdcs+TOPSECRET', redirect_uri: 'x' })) };
    await page.getByLabel(/Import the app's credentials file/).setInputFiles(file);
    await page.getByText(/did not keep it/).waitFor();
    assert.match(await page.textContent('main'), /pd-token-relay/);
    await page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
    assert.match(await page.textContent('main'), /imported-123/);
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(stored.includes('imported-123') && !stored.includes('TOPSECRET'), stored);
    assert.ok(!(await page.content()).includes('TOPSECRET'));
    // The import can be undone without closing the tab.
    await page.getByRole('button', { name: 'Use the configured app again' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('pdscope.imported_client_id')), null);
    // A file that is not JSON is named as the file chosen, not as config.json.
    await page.getByLabel(/Import the app's credentials file/).setInputFiles(
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('client id: abc') });
    await page.getByText(/Import failed: notes\.txt is not valid JSON/).waitFor();
  } finally {
    await page.context().close();
    await web.stop();
  }
});
