// Issue "sandbox": a PagerDuty REST client that is not ours, pointed at the sandbox's API
// with a sandbox token, lists every service and user with its own pagination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { launch, setup as setupWith, signIn, storedSession, ROOT } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('python-pagerduty lists every sandbox service and user with the right counts', async () => {
  const t = await setupWith(browser, { args: ['--services', '1234', '--users', '321'] });
  try {
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    const python = path.join(ROOT, 'target/pyenv/bin/python');
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/third_party_client.py'), t.sb.api, s.access_token]).toString());
    // What the sandbox holds, asked of it directly, to compare with what the library saw.
    const get = async (p) => (await fetch(`${t.sb.api}${p}`, { headers: { Authorization: `Bearer ${s.access_token}` } })).json();
    const teams = (await get('/teams?total=true&limit=1')).total;
    const policies = (await get('/escalation_policies?total=true&limit=1')).total;
    const { contact_methods: methods } = await get(`/users/${(await get('/users/me')).user.id}/contact_methods`);
    assert.ok(teams > 0 && policies > 0 && methods.length > 0);
    assert.deepEqual(out, {
      services: 1234, unique_services: 1234, users: 321, unique_users: 321, me: 'admin@example.com',
      teams, unique_teams: teams, escalation_policies: policies, unique_escalation_policies: policies,
      my_contact_methods: [...new Set(methods.map((m) => m.type))].sort(),
      my_notification_rules: out.my_notification_rules,
    });
    assert.ok(out.my_notification_rules > 0, 'the Default rule at least');
  } finally { await t.close(); }
});

test('python-pagerduty creates a user, a phone, a rule, a team membership and a service through the sandbox, and reads them back', async () => {
  const t = await setupWith(browser, { args: ['--services', '20', '--users', '12'], config: { scopes: ['write'] } });
  try {
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    assert.ok(s.granted_scopes.includes('write'), s.granted_scopes.join(' '));
    const python = path.join(ROOT, 'target/pyenv/bin/python');
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/third_party_writes.py'), t.sb.api, s.access_token, 'admin@example.com']).toString());
    assert.deepEqual(out.user, ['Third Party', 'third.party@example.com', 'limited_user', true]);
    // The login address as a Default email method, and the phone with its country code apart.
    assert.ok(out.methods.some(([type, cc, address]) => type === 'phone_contact_method' && cc === 44 && address === '7700900123'), JSON.stringify(out.methods));
    assert.ok(out.methods.some(([type, , address]) => type === 'email_contact_method' && address === 'third.party@example.com'), JSON.stringify(out.methods));
    assert.equal(out.rule_created, 5);
    assert.ok(out.rule_delays.includes(5) && out.rule_delays.includes(0), `the Default rule and ours: ${out.rule_delays}`);
    assert.ok([200, 204].includes(out.team_put_status), String(out.team_put_status));
    assert.equal(out.in_team, true);
    assert.deepEqual(out.service, [true, true]);
  } finally { await t.close(); }
});

test('python-pagerduty works an offboarding account: lists on-call objects, reassigns, swaps a layer user with the layer order kept, is refused a delete and a team removal, reads an integration key', async () => {
  const t = await setupWith(browser, { args: ['--services', '20', '--users', '12', '--scenario', 'offboarding'], config: { scopes: ['write'] } });
  try {
    await signIn(t, { from: '/' });
    await t.page.getByText('You are signed in.').waitFor();
    const s = await storedSession(t.page);
    const python = path.join(ROOT, 'target/pyenv/bin/python');
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, 'e2e/py/oncall_client.py'), t.sb.api, s.access_token, 'admin@example.com']).toString());
    const [schedules, policies, incidents, oncalls] = out.counts;
    assert.ok(schedules > 0 && policies > 0 && incidents > 0 && oncalls > 0, JSON.stringify(out.counts));
    assert.equal(out.reassigned, true);
    // The layers come back in the order the first GET gave them, with the new user in place.
    assert.deepEqual(out.layer_order[1], out.layer_order[0]);
    const users = out.layer_users.flat();
    assert.ok(users.includes(out.me) && !users.includes(out.gone), JSON.stringify(out.layer_users));
    const invalid = (detail) => ({ error: { message: 'Invalid Input Provided', code: 2001, errors: [detail] } });
    assert.deepEqual(out.delete, [400, invalid('User cannot be deleted while they belong to a schedule or an escalation policy')]);
    assert.deepEqual(out.team_removal, [400, invalid('User cannot be removed as they belong to an escalation policy on this team')]);
    assert.equal(out.integration[0], true);
    assert.match(out.integration[1], /^[0-9a-f]{32}$/);
  } finally { await t.close(); }
});
