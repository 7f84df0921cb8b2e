// Issue #29 part B, the Audit page end to end against pd-sandbox's `--scenario offboarding`:
// one read of the account (no request per user) finds the scenario's people (e-mail only:
// nothing pages them) and the deleted users' placeholders in the "Legacy" policies and
// schedule; each list exports to CSV in PagerDuty's report columns; "Replace…" opens the
// offboarding check with the placeholder; hostile names stay text; axe finds nothing serious.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launch, setup, signIn, storedSession, ROOT, readDownload } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SCENARIO = ['--services', '20', '--users', '12', '--scenario', 'offboarding'];
const PEOPLE = ['solo@example.com', 'many-policies@example.com', 'old-incidents@example.com', 'future-overrides@example.com', 'team-policy@example.com'];
const STUB_PLACES = ['Legacy Escalation Policy', 'Former Support Escalation Policy', 'Legacy rotation'];
const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

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


/** The card whose heading is `name`. */
function card(page, name) {
  return page.locator('section.card', { has: page.getByRole('heading', { name, exact: true }) });
}

/** Picks a finding in the card's "Show" choice (its value is the finding; all is empty). */
async function show(page, section, choice) {
  await card(page, section).getByLabel('Show').selectOption({ value: choice === 'all' ? '' : choice });
}

test('the audit finds the scenario\'s people and placeholders in one read, exports CSV, and Replace… leads to offboarding', async () => {
  const t = await setup(browser, { args: SCENARIO, config: { scopes: ['write'] } });
  try {
    await t.page.setViewportSize({ width: 1280, height: 900 });
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    // A hostile service name reaches the audit as text.
    const s = await storedSession(t.page);
    const h = { Authorization: `Bearer ${s.access_token}`, Accept: 'application/vnd.pagerduty+json;version=2', 'Content-Type': 'application/json' };
    const { services } = await (await fetch(`${t.sb.api}/services?limit=1`, { headers: h })).json();
    const hostile = '<img src=x onerror=alert(1)> Payments';
    const put = await fetch(`${t.sb.api}/services/${services[0].id}`, { method: 'PUT', headers: h, body: JSON.stringify({ service: { name: hostile } }) });
    assert.equal(put.status, 200);
    const asked = [];
    t.page.on('request', (r) => { if (r.url().startsWith(t.sb.api)) asked.push(`${r.method()} ${r.url().slice(t.sb.api.length)}`); });
    await t.page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    await t.page.getByRole('heading', { name: 'Audit', level: 1 }).waitFor();
    const said = await t.page.getByText(/^Read with \d+ requests\.$/).textContent({ timeout: 60000 });
    const reads = asked.filter((a) => a.startsWith('GET ') && !a.startsWith('GET /users/me'));
    assert.ok(reads.every((a) => !/^GET \/users\/[^?]/.test(a)), `no request per user: ${reads.join('\n')}`);
    assert.ok(asked.every((a) => a.startsWith('GET ') || a.startsWith('OPTIONS ')), 'read-only');
    assert.ok(asked.every((a) => !a.includes('include%5B%5D=integrations')), 'routing keys are not read');
    const n = Number(said.match(/\d+/)[0]);
    console.log(`# the audit: ${said} (${reads.length} GETs seen by the browser)`);
    assert.ok(n <= 20, `few requests: ${said}`);
    const people = card(t.page, 'People');
    // E-mail only: nothing pages the scenario's people.
    await show(t.page, 'People', 'No way to reach them');
    const unreachable = await people.getByRole('region', { name: 'People table' }).textContent();
    for (const e of PEOPLE) assert.ok(unreachable.includes(e), `${e} has no way to be reached`);
    // Only future overrides: on no schedule layer and no policy.
    await show(t.page, 'People', 'Not on call anywhere');
    const offCall = await people.getByRole('region', { name: 'People table' }).textContent();
    assert.ok(offCall.includes('future-overrides@example.com'), offCall);
    assert.ok(!offCall.includes('solo@example.com'), 'solo@ is in a layer');
    await show(t.page, 'People', 'all');
    const solo = await people.getByRole('row', { name: /solo@example\.com/ }).textContent();
    assert.match(solo, /Offboarding Watch/, 'on call in their schedule');
    assert.match(solo, /Offboarding Primary Escalation Policy/, 'and through it on the policy');
    const many = await people.getByRole('row', { name: /many-policies@example\.com/ }).textContent();
    assert.match(many, /Offboarding Backup Escalation Policy/);
    const teamed = await people.getByRole('row', { name: /team-policy@example\.com/ }).textContent();
    assert.match(teamed, /: responder/, 'their team role');
    // Each person's row links to their page in pdscope.
    assert.match(await people.getByRole('link', { name: 'Olive Solo' }).getAttribute('href'), /^\/users\/P[A-Z0-9]+$/);
    const places = await card(t.page, "Deleted users' placeholders").getByRole('region', { name: 'Placeholders table' }).textContent();
    for (const p of STUB_PLACES) assert.ok(places.includes(p), `a placeholder in ${p}`);
    for (const who of ['Robin Former', 'Sam Departed']) assert.ok(places.includes(who));
    const servicesText = await card(t.page, 'Services').textContent();
    assert.ok(servicesText.includes(hostile), 'the hostile name as text');
    assert.deepEqual(t.dialogs, [], 'no hostile name ran');
    const licences = await card(t.page, 'Roles and licences').textContent();
    assert.match(licences, /Full User/);
    assert.match(await t.page.locator('.cannot-tell').textContent(), /last signed in/);
    // Export CSV: the people on show, in the report scripts' columns.
    const [d] = await Promise.all([t.page.waitForEvent('download'), people.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = (await readDownload(d)).replace(/^\uFEFF/, '');
    const [head, ...lines] = csv.trim().split(/\r\n/);
    assert.equal(head, 'Name,Email,Role,Licence,Team roles,Phone,SMS,Email methods,Push,Phone or SMS,High-urgency rule,Schedules,Escalation policies,Invitation pending,Findings,User ID,Job title,Time zone,PagerDuty link');
    for (const e of PEOPLE) assert.ok(lines.some((l) => l.includes(e)), `${e} in the CSV`);
    assert.ok(lines.every((l) => /https:\/\/[^,]+\/users\/P[A-Z0-9]+$/.test(l)), 'each row links to PagerDuty');
    await axe(t.page, 'audit (light)');
    await t.page.emulateMedia({ colorScheme: 'dark' });
    await axe(t.page, 'audit (dark)');
    // The README's screenshot: the people nothing pages.
    await t.page.emulateMedia({ colorScheme: 'light' });
    await show(t.page, 'People', 'No way to reach them');
    await people.evaluate((el) => el.scrollIntoView());
    await t.page.screenshot({ path: path.join(ROOT, 'docs/screenshots/audit-light.png') });
    // Replace… opens offboarding with the placeholder's id, checked; the plan asks for who takes over.
    const replace = t.page.getByRole('link', { name: 'Replace Robin Former…' });
    const href = await replace.getAttribute('href');
    const id = href.match(/offboard=(P[A-Z0-9]+)/)[1];
    await replace.click();
    await t.page.waitForURL((u) => u.pathname === '/import');
    await t.page.locator('.check-summary', { hasText: `${id} (from the audit)` }).waitFor();
    assert.equal(await t.page.getByLabel('Offboard people').isChecked(), true);
    assert.deepEqual(asked.filter((a) => !a.startsWith('GET ') && !a.startsWith('OPTIONS ')), [], 'nothing written');
  } finally {
    await t.close();
  }
});
