// Accessibility: axe-core on every page, light and dark, no serious or critical violation;
// keyboard reachability; and the README's screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { launch, setup as setupWith, signIn, startStatic, newPage, ROOT } from './lib.mjs';

const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.join(ROOT, 'docs/screenshots');

let browser;
before(async () => { browser = await launch(); mkdirSync(SHOTS, { recursive: true }); });
after(async () => { await browser?.close(); });

async function axe(page, label) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: ${JSON.stringify(bad, null, 1)}`);
}

async function check(page, label, shot) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    await axe(page, `${label} (${scheme})`);
    if (shot) await page.screenshot({ path: path.join(SHOTS, `${shot}-${scheme}.png`) });
  }
}

test('every page passes axe in light and dark, and is usable by keyboard', async () => {
  const t = await setupWith(browser, { args: ['--services', '120', '--users', '60'] });
  try {
    await t.page.setViewportSize({ width: 1100, height: 760 });
    await t.page.goto(t.web.url);
    await t.page.getByRole('button', { name: 'Connect to PagerDuty' }).waitFor();
    await check(t.page, 'home, signed out', 'home');
    // Keyboard: Tab reaches the Connect button, with a visible focus ring.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await t.page.keyboard.press('Tab');
      reached = await t.page.evaluate(() => document.activeElement?.textContent === 'Connect to PagerDuty');
    }
    assert.ok(reached, 'Connect to PagerDuty is reachable by Tab');
    const outline = await t.page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await signIn(t, { from: '/services' });
    await t.page.getByText('120 services', { exact: true }).waitFor({ timeout: 30000 });
    await check(t.page, 'services', 'services');
    await t.page.locator('tbody a').first().click();
    await t.page.getByRole('link', { name: '← All services' }).waitFor();
    await check(t.page, 'service detail');
    await t.page.getByRole('link', { name: 'Users' }).click();
    await t.page.getByText('60 users', { exact: true }).waitFor({ timeout: 30000 });
    await check(t.page, 'users');
    await t.page.locator('tbody a').first().click();
    await t.page.getByRole('heading', { name: 'Contact methods' }).waitFor();
    await check(t.page, 'user detail', 'user');
    await t.page.getByRole('link', { name: 'Token' }).click();
    await t.page.getByRole('heading', { name: 'Token', exact: true }).waitFor();
    await check(t.page, 'token inspector', 'token');
    await t.page.goto(t.web.origin + '/nowhere');
    await t.page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await check(t.page, 'not found');
    // Phone width: no horizontal scrolling of the page itself.
    await t.page.setViewportSize({ width: 375, height: 740 });
    await t.page.goto(t.web.origin + '/services');
    await t.page.getByText('120 services', { exact: true }).waitFor({ timeout: 30000 });
    const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page scrolls sideways by ${overflow}px at phone width`);
    await t.page.emulateMedia({ colorScheme: 'light' });
    await t.page.screenshot({ path: path.join(SHOTS, 'services-phone.png') });
  } finally { await t.close(); }
});

test('the Import page passes axe from check to report (and its screenshots)', async () => {
  const t = await setupWith(browser, { config: { scopes: ['write'] } });
  try {
    await t.page.setViewportSize({ width: 1100, height: 1250 });
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    await t.page.getByRole('navigation').getByRole('link', { name: 'Import' }).click();
    await t.page.getByRole('heading', { name: 'Import', level: 1 }).waitFor();
    await check(t.page, 'import');
    const file = 'name,email,role,job_title,time_zone,country_code,phone_number,teams,notify\r\n'
      + 'Ada Lovelace,ada@example.com,Manager,SRE,Europe/London,44,7700 900123,Payments;Platform,\r\n'
      + 'Grace Hopper,grace@example.com,Responder,Engineer,America/New_York,1,212 555 0142,Platform,phone:0;email:5\r\n'
      + 'Alan Turing,alan.turing@example,Global Admin,,Europe/London,44,07700 900456,,\r\n';
    await t.page.locator('input[type=file]').setInputFiles({ name: 'new-team.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    await t.page.locator('.check-summary').waitFor();
    await t.page.getByRole('button', { name: 'Plan against PagerDuty' }).click();
    await t.page.locator('.plan-summary').waitFor();
    await t.page.getByRole('heading', { name: 'Check' }).scrollIntoViewIfNeeded();
    await check(t.page, 'import plan', 'import');
    await t.page.getByRole('button', { name: 'Import 2 users' }).click();
    await t.page.locator('.run-progress', { hasText: 'Finished.' }).waitFor({ timeout: 60000 });
    await t.page.locator('.run-progress').scrollIntoViewIfNeeded();
    await check(t.page, 'import report', 'import-report');
  } finally { await t.close(); }
});

test('the setup screen passes axe', async () => {
  const web = await startStatic({ config: '{"client_id": ""}' });
  const page = await newPage(browser);
  try {
    await page.goto(web.url);
    await page.getByRole('alert').waitFor();
    await check(page, 'setup screen', 'setup');
  } finally { await page.context().close(); await web.stop(); }
});
