// Services and Users end to end against a sandbox with thousands of rows and faults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup as setupWith, signIn } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const setup = (opts) => setupWith(browser, opts);
const signInAt = (t, path, email) => signIn(t, { from: path, email });

async function apiTotal(t, path) {
  await t.page.waitForFunction(() => sessionStorage.getItem('pdscope.session'));
  const s = JSON.parse(await t.page.evaluate(() => sessionStorage.getItem('pdscope.session')));
  const r = await fetch(`${t.sb.api}${path}${path.includes('?') ? '&' : '?'}total=true&limit=1`, { headers: { Authorization: `Bearer ${s.access_token}` } });
  return (await r.json()).total;
}

test('every service arrives exactly once despite latency, failures and a rate limit', async () => {
  const t = await setup({ args: ['--services', '2500', '--users', '1200', '--latency-ms', '40', '--fail-rate', '0.15', '--rate-limit', '400'] });
  try {
    await signInAt(t, '/services');
    await t.page.getByText('2,500 services', { exact: true }).waitFor({ timeout: 90000 });
    const shown = await t.page.locator('tbody tr').count();
    assert.equal(shown, 50, 'rendered in pages of 50');
    await t.page.getByRole('button', { name: 'Show more (50 of 2,500 shown)' }).click();
    assert.equal(await t.page.locator('tbody tr').count(), 100);
    // Every row is in the CSV export exactly once.
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString());
    const lines = csv.trim().split('\r\n');
    assert.equal(lines[0], 'Name,Status,Escalation policy,Teams,Description');
    assert.equal(lines.length, 2501);
    // Search is instant and lives in the URL; Back restores it.
    await t.page.getByPlaceholder('Search services…').fill('payments');
    await t.page.waitForURL(/q=payments/);
    await t.page.getByText(/of 2,500 services match/).waitFor();
    const rows = await t.page.locator('tbody tr').allTextContents();
    assert.ok(rows.length > 0 && rows.every((n) => /payments/i.test(n)), rows.slice(0, 3).join('|'));
    await t.page.getByRole('button', { name: 'Status' }).click();
    await t.page.waitForURL(/sort=status/);
    await t.page.goBack();
    await t.page.waitForURL((u) => !u.href.includes('sort='));
    // Hostile names render as text and do not execute.
    await t.page.getByPlaceholder('Search services…').fill('onerror');
    await t.page.getByText(/of 2,500 services match/).waitFor();
    const hostile = await t.page.locator('tbody tr td:first-child').first().textContent();
    assert.match(hostile, /<img src=x onerror=alert\(document.domain\)>/);
    assert.equal(await t.page.locator('tbody img').count(), 0);
    assert.deepEqual(t.dialogs, []);
    // A detail page.
    await t.page.locator('tbody tr td:first-child a').first().click();
    await t.page.getByRole('link', { name: '← All services' }).waitFor();
    await t.page.locator('dt', { hasText: 'Escalation policy' }).waitFor();
    assert.match(await t.page.locator('h1').textContent(), /<img src=x onerror/);
  } finally { await t.close(); }
});

test('users: all rows, search by email, detail with contact methods', async () => {
  const t = await setup({ args: ['--services', '50', '--users', '1500', '--latency-ms', '20'] });
  try {
    await signInAt(t, '/users');
    await t.page.getByText('1,500 users', { exact: true }).waitFor({ timeout: 60000 });
    await t.page.getByPlaceholder('Search users…').fill('responder@example.com');
    await t.page.getByRole('link', { name: 'Riley Responder' }).click();
    await t.page.getByRole('heading', { name: 'Contact methods' }).waitFor();
    assert.match(await t.page.textContent('table'), /responder@example.com/);
  } finally { await t.close(); }
});

test('a restricted user sees only their team\'s services', async () => {
  const t = await setup({ args: ['--services', '400', '--users', '30'] });
  try {
    await signInAt(t, '/services', 'responder@example.com');
    const total = await apiTotal(t, '/services');
    assert.ok(total > 0 && total < 400, `${total}`);
    await t.page.getByText(`${total} services`, { exact: true }).waitFor({ timeout: 30000 });
  } finally { await t.close(); }
});

test('past the 10,000-row ceiling nothing is dropped silently, and search asks PagerDuty', async () => {
  const t = await setup({ args: ['--services', '10150', '--users', '10'] });
  try {
    await signInAt(t, '/services');
    await t.page.getByText('10,000 services', { exact: true }).waitFor({ timeout: 90000 });
    await t.page.getByText('150 of 10,150 services were not listed here').waitFor();
    // The rows past the ceiling sort last: "Zahlungsdienst ..." names are among them.
    await t.page.getByPlaceholder('Search services…').fill('zahlungsdienst');
    await t.page.getByText(/services match "zahlungsdienst" on PagerDuty's side/).waitFor({ timeout: 30000 });
    const rows = await t.page.locator('tbody tr').allTextContents();
    assert.ok(rows.length > 0 && rows.every((r) => /Zahlungsdienst Zürich/.test(r)), rows.slice(0, 2).join('|'));
  } finally { await t.close(); }
});
