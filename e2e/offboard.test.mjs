// Issue #28, offboarding end to end against pd-sandbox's `--scenario offboarding`: the plan
// shows every change and who is on call before and after, refuses gaps, writes nothing until
// "Offboard N people"; the run leaves no empty level or layer, reassigns incidents, deletes or
// re-roles, and PagerDuty's Python client finds exactly that; the same file again writes
// nothing; lost answers change nothing; hostile names stay text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, setup, storedSession, ROOT, choose, plan, runToEnd, writes, readDownload, openImport } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const SCENARIO = ['--services', '20', '--users', '12', '--scenario', 'offboarding'];
const PEOPLE = ['solo@example.com', 'many-policies@example.com', 'old-incidents@example.com', 'future-overrides@example.com', 'team-policy@example.com'];
const FILE = [
  'email,replacement,incidents,then',
  'solo@example.com,limited@example.com,,',
  'many-policies@example.com,user@example.com,,',
  'old-incidents@example.com,user@example.com,reassign,',
  'future-overrides@example.com,limited@example.com,,stakeholder',
  'team-policy@example.com,user@example.com,,keep',
].join('\n') + '\n';





async function api(t, token, method, p, body) {
  const r = await fetch(`${t.sb.api}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/vnd.pagerduty+json;version=2', 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return r.status === 204 ? null : r.json();
}

/** The scenario's people's ids, read before they are deleted. */
async function ids(t, token) {
  const out = [];
  for (const e of PEOPLE) {
    const { users } = await api(t, token, 'GET', `/users?query=${encodeURIComponent(e)}`);
    out.push(...users.filter((u) => u.email === e).map((u) => u.id));
  }
  return out;
}

function pythonCheck(t, token, extra) {
  const python = path.join(ROOT, 'target/pyenv/bin/python');
  return JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/offboard_check.py'), t.sb.api, token, 'admin@example.com', ...PEOPLE, ...extra]).toString());
}


async function offboardAll(t, { shot } = {}) {
  await openImport(t, { kind: 'Offboard people' });
  const s = await storedSession(t.page);
  const before = await ids(t, s.access_token);
  assert.equal(before.length, 5);
  // A hostile policy name reaches the plan as text.
  const { escalation_policies: eps } = await api(t, s.access_token, 'GET', '/escalation_policies?query=Offboarding%20Primary');
  const ep = eps[0];
  await api(t, s.access_token, 'PUT', `/escalation_policies/${ep.id}`, { escalation_policy: { ...ep, name: '<img src=x onerror=alert(1)> Offboarding Primary' } });
  const sent = writes(t.page);
  await choose(t.page, 'leavers.csv', FILE);
  assert.equal(await plan(t.page), '5 people: 5 to offboard, 0 unchanged, 0 error.');
  const table = await t.page.getByRole('region', { name: 'Plan' }).textContent();
  for (const needle of [
    /schedule Offboarding Watch, layer Night watch, position 1 of 1: Olive Solo → /,
    /policy <img src=x onerror=alert\(1\)> Offboarding Primary, level 1: Manny Places → /,
    /incident #\d+ \(Disk filling up on an old host \(40 days\)\): reassign to /,
    /override \d+ \w+ \d\d:\d\d UTC – .* in Offboarding Watch: Fern Future → /,
    /on call in Offboarding Watch, next 7 days: before: .*; after: /,
    /delete Olive Solo \(solo@example.com\)/,
    /role: Manager → Full Stakeholder \(frees a Full User licence\)/,
  ]) {
    assert.match(table, needle);
  }
  assert.deepEqual(t.dialogs, [], 'no hostile name ran');
  assert.deepEqual(sent, [], 'a plan writes nothing');
  if (shot) await t.page.screenshot({ path: path.join(ROOT, 'docs/screenshots', shot), fullPage: true });
  const progress = await runToEnd(t.page, 'Offboard 5 people', 180000);
  if (!/5 done, 0 failed/.test(progress)) {
    assert.fail(`${progress}\n${await t.page.getByRole('region', { name: 'Report' }).textContent()}`);
  }
  return { token: s.access_token, before };
}

test('offboarding the scenario\'s people with replacements: no empty level or layer, incidents reassigned, users deleted or re-roled; the same file again writes nothing', async () => {
  const t = await setup(browser, { args: SCENARIO, config: { scopes: ['write'] } });
  try {
    const { token, before } = await offboardAll(t, { shot: 'offboard-plan.png' });
    const seen = pythonCheck(t, token, before.map((id) => `id:${id}`));
    assert.deepEqual(seen.still_users, ['future-overrides@example.com', 'team-policy@example.com']);
    assert.equal(seen.roles['future-overrides@example.com'], 'read_only_user');
    assert.deepEqual(seen.empty_rules, []);
    assert.deepEqual(seen.empty_layers, []);
    assert.deepEqual(seen.naming, [], 'no policy or schedule names them');
    const { users: [user] } = await api(t, token, 'GET', '/users?query=user%40example.com');
    const old = seen.incidents.filter(([, who]) => who.includes(user.id));
    assert.ok(old.length >= 2, JSON.stringify(seen.incidents));
    assert.ok(seen.incidents.every(([, who]) => !who.some((id) => before.includes(id))), JSON.stringify(seen.incidents));
    // The backup holds the objects as they were.
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Download backup' }).click()]);
    const backup = JSON.parse(await readDownload(download));
    assert.ok(backup.objects.some((o) => o.type === 'schedule' && o.before.name === 'Offboarding Watch'), Object.keys(backup));
    // The same file again: nothing to do.
    const sent = writes(t.page);
    await choose(t.page, 'leavers-again.csv', FILE);
    assert.equal(await plan(t.page), '5 people: 0 to offboard, 5 unchanged, 0 error.');
    assert.equal(await t.page.getByRole('button', { name: 'Nothing to do' }).isDisabled(), true);
    assert.deepEqual(sent, []);
  } finally { await t.close(); }
});

test('offboarding with 10% of answers lost ends the same, each change made once', async () => {
  const t = await setup(browser, { args: [...SCENARIO, '--lost-response-rate', '0.1'], config: { scopes: ['write'] } });
  try {
    const { token, before } = await offboardAll(t);
    const seen = pythonCheck(t, token, before.map((id) => `id:${id}`));
    assert.deepEqual(seen.still_users, ['future-overrides@example.com', 'team-policy@example.com']);
    assert.deepEqual([seen.empty_rules, seen.empty_layers, seen.naming], [[], [], []]);
    // Fern's two future overrides are the replacement's, once each.
    const { schedules } = await api(t, token, 'GET', '/schedules?query=Offboarding%20Watch');
    const now = new Date();
    const until = new Date(now.getTime() + 60 * 86400000);
    const { overrides } = await api(t, token, 'GET', `/schedules/${schedules[0].id}/overrides?since=${now.toISOString()}&until=${until.toISOString()}`);
    assert.equal(overrides.length, 2, JSON.stringify(overrides));
  } finally { await t.close(); }
});

test('"Offboard…" on a user\'s page opens the plan for them; without replacements the sole members are errors and nothing of them changes', async () => {
  const t = await setup(browser, { args: SCENARIO, config: { scopes: ['write'] } });
  try {
    await openImport(t, { kind: 'Offboard people' });
    const sent = writes(t.page);
    // From the user's page, with the Import page already open once in this tab.
    const s = await storedSession(t.page);
    const [solo] = await ids(t, s.access_token);
    await t.page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await t.page.goto(`${t.web.origin}/users/${solo}`);
    await t.page.getByRole('link', { name: 'Offboard Olive Solo…' }).click();
    await t.page.locator('.check-summary', { hasText: 'solo@example.com (from the user page): read as pdscope offboarding. 1 person: 1 ready, 0 with problems.' }).waitFor();
    assert.equal(await t.page.getByLabel('Offboard people').isChecked(), true);
    assert.match(await plan(t.page), /^1 person: 0 to offboard, 0 unchanged, 1 error\.$/);
    // From the Users list: a search that shows a few people offers to offboard them.
    await t.page.getByRole('navigation').getByRole('link', { name: 'Users' }).click();
    await t.page.getByPlaceholder('Search users…').waitFor();
    assert.equal(await t.page.getByRole('button', { name: /^Offboard (these|this)/ }).count(), 0, 'not for the whole list');
    await t.page.getByPlaceholder('Search users…').fill('solo@');
    await t.page.getByRole('button', { name: 'Offboard this person…' }).click();
    await t.page.locator('.check-summary', { hasText: 'solo@example.com (from the Users list): read as pdscope offboarding. 1 person: 1 ready' }).waitFor();
    // A link that loads the app afresh: one e-mail is checked (and leaves the address); a
    // crafted value naming several people is ignored.
    await t.page.goto(`${t.web.origin}/import?offboard=${encodeURIComponent('solo@example.com')}`);
    await t.page.locator('.check-summary', { hasText: 'solo@example.com (from a link): read as pdscope offboarding. 1 person: 1 ready' }).waitFor();
    assert.equal(new URL(t.page.url()).search, '');
    await t.page.goto(`${t.web.origin}/import?offboard=${encodeURIComponent('solo@example.com\nmany-policies@example.com')}`);
    await t.page.getByText('What to do').waitFor();
    assert.equal(await t.page.locator('.check-summary').count(), 0);
    await t.page.getByLabel('Offboard people').check();
    await choose(t.page, 'no-replacements.csv', 'email\nsolo@example.com\nmany-policies@example.com\n');
    assert.match(await plan(t.page), /^2 people: 0 to offboard, 0 unchanged, 2 error\.$/);
    const table = await t.page.getByRole('region', { name: 'Plan' }).textContent();
    assert.match(table, /layer Night watch would have nobody \(Olive Solo is its only member\), leaving a gap in on-call; write a replacement/);
    assert.equal(await t.page.getByRole('button', { name: 'Nothing to do' }).isDisabled(), true);
    assert.deepEqual(sent, []);
  } finally { await t.close(); }
});
