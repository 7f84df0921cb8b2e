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
    assert.equal(shown, 30, 'rendered in pages of 30');
    await t.page.getByRole('button', { name: 'Show more (30 of 2,500 shown)' }).click();
    assert.equal(await t.page.locator('tbody tr').count(), 60);
    // Every row is in the CSV export exactly once.
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString());
    assert.ok(csv.startsWith('\uFEFF'), 'a UTF-8 byte order mark, so spreadsheets read accents');
    const lines = csv.slice(1).trim().split('\r\n');
    assert.equal(lines[0], 'Name,Status,Escalation policy,Teams,Description,Id,PagerDuty link');
    assert.equal(lines.length, 2501);
    assert.match(lines[1], /,P[A-Z0-9]+,https:\/\/[a-z0-9-]+\.pagerduty\.com\/service-directory\/P[A-Z0-9]+$/);
    const today = new Date();
    const ymd = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    assert.equal(download.suggestedFilename(), `pdscope-services-${ymd}.csv`);
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
    // The list says it is partial, and why.
    await t.page.getByText(`${total} services: PagerDuty shows Restricted Access users only their teams' services`, { exact: true }).waitFor({ timeout: 30000 });
    await t.page.getByText('· Restricted Access').waitFor();
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
    // The export holds exactly the rows the table shows, in its order (here PagerDuty's
    // search answer, not the local list).
    const names = await t.page.locator('tbody tr td:first-child').allTextContents();
    const status = await t.page.getByRole('status').filter({ hasText: 'on PagerDuty\'s side' }).textContent();
    const matches = Number(status.match(/^([\d,]+) services match/)[1].replace(/,/g, ''));
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString());
    const firstFields = csv.slice(1).trim().split('\r\n').slice(1).map(firstCsvField);
    assert.deepEqual(firstFields.slice(0, names.length), names);
    assert.equal(firstFields.length, matches, 'one line per matching row');
    assert.match(download.suggestedFilename(), /^pdscope-services-zahlungsdienst-\d{4}-\d\d-\d\d\.csv$/);
  } finally { await t.close(); }
});

/** The first field of a CSV line (RFC 4180 quoting). */
function firstCsvField(line) {
  if (!line.startsWith('"')) return line.split(',')[0];
  let out = '';
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '"' && line[i + 1] === '"') { out += '"'; i++; } else if (line[i] === '"') break; else out += line[i];
  }
  return out;
}

test('leaving a list while it loads stops its requests', async () => {
  const t = await setup({ args: ['--services', '20', '--users', '5000', '--latency-ms', '400'] });
  try {
    await signInAt(t, '/users');
    await t.page.getByText(/of 5,000 users/).waitFor({ timeout: 30000 });
    let navigated = false;
    const late = [];
    t.page.on('request', (r) => { if (navigated && r.url().startsWith(t.sb.api + '/users')) late.push(r.url()); });
    await t.page.getByRole('link', { name: 'Services', exact: true }).click();
    await t.page.waitForURL(/\/services$/);
    navigated = true;
    await t.page.getByText('20 services', { exact: true }).waitFor();
    await t.page.waitForTimeout(3000);
    assert.deepEqual(late, [], 'no /users request started after leaving the page');
  } finally { await t.close(); }
});
