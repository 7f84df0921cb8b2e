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
