// Issue #27: an import an admin can trust on a real account, end to end against pd-sandbox's
// refusals: no licence left, writes that are not listed yet, the account lock, a plan that
// lacks an ability, and a user made between plan and run. Every run ends with every row
// accounted for, no duplicate, and no change the plan did not show.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, setup, storedSession, runToEnd, openImport, choose, plan } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });


async function planFile(page, name, text) {
  await choose(page, name, text);
  return plan(page);
}


async function api(t, path, init = {}) {
  const token = (await storedSession(t.page)).access_token;
  const r = await fetch(`${t.sb.api}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.pagerduty+json;version=2', 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}

const people = (prefix, n) => 'name,email\n' + Array.from({ length: n }, (_, i) => `Person ${i},${prefix}${i}@example.com`).join('\n') + '\n';

test('no licence left: the plan says so, and the run makes what fits and asks for no more', async () => {
  const t = await setup(browser, { args: ['--users', '20', '--licenses', '30'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    const { body: lic } = await api(t, '/licenses');
    const free = Math.max(...lic.licenses.filter((l) => l.role_group === 'FullUser').map((l) => l.allocations_available));
    assert.ok(free >= 1 && free < 20, `free: ${free}`);
    const n = free + 3;
    assert.equal(await planFile(t.page, 'more.csv', people('lic.', n)), `${n} users: ${n} create, 0 update, 0 add, 0 unchanged, 0 error.`);
    await t.page.getByText(`This file creates ${n} new users who need a Full User licence, and PagerDuty says ${free} ${free === 1 ? 'is' : 'are'} free`, { exact: false }).waitFor();
    const posts = [];
    t.page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/users')) posts.push(r.url()); });
    const progress = await runToEnd(t.page, `Import ${n} users`, 120000);
    assert.match(progress, new RegExp(`^${free} done, 3 failed, 0 left\\.`));
    // The run took only the licences the plan counted: nothing was refused, nothing asked twice.
    assert.equal(posts.length, free, 'a create for each free licence, then none');
    await t.page.getByRole('region', { name: 'Report' }).getByText(/Not tried: the plan counted the free Full User licences/).first().waitFor();
    const { body } = await api(t, '/users?query=lic.&limit=100');
    assert.equal(body.users.length, free, 'each made once');
  } finally { await t.close(); }
});

test('writes not listed yet and the account lock: every row made exactly once', async () => {
  const t = await setup(browser, { args: ['--users', '20', '--visibility-lag-ms', '1500', '--lock-contention', '0.5', '--rate-limit', '100000'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    await planFile(t.page, 'twelve.csv', people('lag.', 12));
    const progress = await runToEnd(t.page, 'Import 12 users', 120000);
    assert.match(progress, /^12 done, 0 failed, 0 left\./);
    await new Promise((r) => setTimeout(r, 1600));
    const { body } = await api(t, '/users?query=lag.&limit=100');
    assert.equal(body.users.length, 12);
    assert.equal(new Set(body.users.map((u) => u.email)).size, 12, 'no duplicate');
  } finally { await t.close(); }
});

test('an account without the teams ability: the plan refuses the rows that name a team, with the reason', async () => {
  const t = await setup(browser, { args: ['--users', '20', '--without-ability', 'teams'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    const summary = await planFile(t.page, 'teams.csv', 'name,email,teams\nTea Mer,teamer@example.com,Payments\nSolo,solo@example.com,\n');
    assert.equal(summary, '2 users: 1 create, 0 update, 0 add, 0 unchanged, 1 error.');
    await t.page.getByRole('region', { name: 'Plan' }).getByText(/PagerDuty refuses this: a team needs the teams ability, which this account does not have/).waitFor();
  } finally { await t.close(); }
});

test('someone made between plan and run is neither duplicated nor changed', async () => {
  const t = await setup(browser, { args: ['--users', '20'], config: { scopes: ['write'] } });
  try {
    await openImport(t);
    await planFile(t.page, 'late.csv', 'name,email,role\nLate Comer,late@example.com,responder\n');
    // An admin with that e-mail appears after the plan read the account.
    const made = await api(t, '/users', { method: 'POST', body: JSON.stringify({ user: { type: 'user', name: 'An Admin', email: 'late@example.com', role: 'admin' } }) });
    assert.equal(made.status, 201);
    const progress = await runToEnd(t.page, 'Import 1 user', 120000);
    assert.match(progress, /^0 done, 1 failed/);
    await t.page.getByRole('region', { name: 'Report' }).getByText(/exists now .* Plan again to see the change/).waitFor();
    const { body } = await api(t, `/users/${made.body.user.id}`);
    assert.equal(body.user.role, 'admin', 'not demoted');
    assert.equal(body.user.name, 'An Admin', 'not renamed');
  } finally { await t.close(); }
});
